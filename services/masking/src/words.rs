//! Words of a message with their places: what the name and address rules read.

/// One word: letters, with inner hyphens, apostrophes and dots ("Per-Olav",
/// "O'Brien", "g.nr"), and its byte range in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Word<'t> {
    pub text: &'t str,
    pub start: usize,
    pub end: usize,
}

impl Word<'_> {
    /// Starts with a capital letter.
    pub fn is_capitalised(&self) -> bool {
        self.text.chars().next().is_some_and(char::is_uppercase)
    }

    /// The word in lower case, in `buffer`.
    pub fn lowercase_into<'b>(&self, buffer: &'b mut String) -> &'b str {
        buffer.clear();
        if self.text.is_ascii() {
            buffer.push_str(self.text);
            buffer.make_ascii_lowercase();
        } else {
            buffer.extend(self.text.chars().flat_map(char::to_lowercase));
        }
        buffer
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphabetic()
}

/// The words of `text`, in order. A hyphen, apostrophe or dot between two
/// letters stays inside the word.
pub(crate) fn words(text: &str) -> Vec<Word<'_>> {
    let bytes = text.as_bytes();
    let mut words = Vec::with_capacity(text.len() / 5);
    let mut start: Option<usize> = None;
    let mut at = 0;
    while at < bytes.len() {
        // ASCII bytes are judged as bytes; other characters are decoded.
        let (letter, width) = if bytes[at].is_ascii() {
            (bytes[at].is_ascii_alphabetic(), 1)
        } else {
            let c = text[at..].chars().next().unwrap_or(' ');
            (is_word_char(c), c.len_utf8())
        };
        if letter {
            start.get_or_insert(at);
            at += width;
            continue;
        }
        if let Some(s) = start {
            let joiner = matches!(bytes[at], b'-' | b'\'' | b'.') || text[at..].starts_with('’');
            let next = at + width;
            let letter_next = next < bytes.len()
                && (bytes[next].is_ascii_alphabetic()
                    || (!bytes[next].is_ascii() && text[next..].chars().next().is_some_and(is_word_char)));
            if !(joiner && letter_next) {
                words.push(Word {
                    text: &text[s..at],
                    start: s,
                    end: at,
                });
                start = None;
            }
        }
        at += width;
    }
    if let Some(s) = start {
        words.push(Word {
            text: &text[s..],
            start: s,
            end: text.len(),
        });
    }
    words
}

/// The last `count` words of `before`, in lower case, nearest first.
pub(crate) fn lowercase_words_before(before: &str, count: usize) -> impl Iterator<Item = String> + '_ {
    // A few words are at most some dozens of bytes; look no further back.
    let mut from = before.len().saturating_sub(48);
    while !before.is_char_boundary(from) {
        from += 1;
    }
    let tail = &before[from..];
    let words: Vec<String> = words(tail)
        .iter()
        .rev()
        .take(count)
        .map(|w| w.text.to_lowercase())
        .collect();
    words.into_iter()
}

/// `text` ends with `word` as a whole word, in any case, maybe followed by
/// spaces or a dot.
pub(crate) fn ends_with_word(text: &str, word: &str) -> bool {
    let trimmed = text.trim_end_matches([' ', '.', '\u{a0}']);
    let Some(at) = trimmed.len().checked_sub(word.len()) else {
        return false;
    };
    trimmed.is_char_boundary(at)
        && trimmed[at..].eq_ignore_ascii_case(word)
        && !trimmed[..at].chars().next_back().is_some_and(char::is_alphanumeric)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_keep_inner_hyphens_apostrophes_and_dots() {
        let found: Vec<&str> = words("Per-Olav O'Brien, g.nr. 12 - og så")
            .iter()
            .map(|w| w.text)
            .collect();
        assert_eq!(found, ["Per-Olav", "O'Brien", "g.nr", "og", "så"]);
    }

    #[test]
    fn words_before_are_nearest_first_and_lowercase() {
        let found: Vec<String> = lowercase_words_before("ring meg på Mobil:", 2).collect();
        assert_eq!(found, ["mobil", "på"]);
        assert!(ends_with_word("beløp kr. ", "kr"));
        assert!(!ends_with_word("beløpkr ", "kr"));
    }
}
