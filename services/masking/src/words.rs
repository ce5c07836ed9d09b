//! Words of a message with their places: what the name and address rules read.

use std::borrow::Cow;

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
        match self.text.as_bytes().first() {
            Some(b) if b.is_ascii() => b.is_ascii_uppercase(),
            _ => self.text.chars().next().is_some_and(char::is_uppercase),
        }
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

/// Whether the character at byte `at` of `text` (a character boundary, not
/// the end) is a letter, and its width in bytes. ASCII and the Latin-1
/// letters (æ, ø, å, é, ü …) are judged by their bytes; other characters
/// are decoded.
#[inline(always)]
fn letter_at(text: &str, at: usize) -> (bool, usize) {
    let bytes = text.as_bytes();
    match bytes[at] {
        b if b.is_ascii() => (b.is_ascii_alphabetic(), 1),
        // U+00C0 to U+00FF: letters, but for × (U+00D7) and ÷ (U+00F7).
        0xC3 => (!matches!(bytes[at + 1], 0x97 | 0xB7), 2),
        _ => {
            let c = text[at..].chars().next().unwrap_or(' ');
            (c.is_alphabetic(), c.len_utf8())
        }
    }
}

/// The words of `text`, in order. A hyphen, apostrophe or dot between two
/// letters stays inside the word.
pub(crate) fn words(text: &str) -> Vec<Word<'_>> {
    let bytes = text.as_bytes();
    let mut words = Vec::with_capacity(text.len() / 5);
    let mut at = 0;
    while at < bytes.len() {
        let (letter, width) = letter_at(text, at);
        if !letter {
            at += width;
            continue;
        }
        let start = at;
        at += width;
        // To the first character that is no letter and no joiner between letters.
        loop {
            while at < bytes.len() && bytes[at].is_ascii_alphabetic() {
                at += 1;
            }
            if at == bytes.len() {
                break;
            }
            let (letter, width) = letter_at(text, at);
            let joins = !letter
                && (matches!(bytes[at], b'-' | b'\'' | b'.') || text[at..].starts_with('’'))
                && at + width < bytes.len()
                && letter_at(text, at + width).0;
            if !(letter || joins) {
                break;
            }
            at += width;
        }
        words.push(Word {
            text: &text[start..at],
            start,
            end: at,
        });
    }
    words
}

/// The last `count` words of `before`, in lower case, nearest first (a word
/// in ASCII lower case as it stands, without a copy).
pub(crate) fn lowercase_words_before(before: &str, count: usize) -> impl Iterator<Item = Cow<'_, str>> + '_ {
    // A few words are at most some dozens of bytes; look no further back.
    let mut from = before.len().saturating_sub(48);
    while !before.is_char_boundary(from) {
        from += 1;
    }
    let tail = &before[from..];
    let words: Vec<Cow<'_, str>> = words(tail)
        .iter()
        .rev()
        .take(count)
        .map(|w| {
            if w.text.bytes().all(|b| b.is_ascii_lowercase()) {
                Cow::Borrowed(w.text)
            } else {
                Cow::Owned(w.text.to_lowercase())
            }
        })
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
    fn letters_are_judged_as_by_their_characters() {
        for c in [
            'a', 'Z', 'æ', 'Ø', 'å', 'é', 'ÿ', 'À', '×', '÷', 'ª', 'º', 'µ', 'ł', 'ß', '’', '-', '1', ' ', '\u{a0}',
            '⟨', 'K', 'ſ', '中',
        ] {
            let text = format!("{c}x");
            assert_eq!(letter_at(&text, 0), (c.is_alphabetic(), c.len_utf8()), "{c}");
        }
        let found: Vec<&str> = words("Ærlig×Øy søster’s ÷ å").iter().map(|w| w.text).collect();
        assert_eq!(found, ["Ærlig", "Øy", "søster’s", "å"]);
        assert!(words("Øystein").first().is_some_and(|w| w.is_capitalised()));
        assert!(!words("øystein").first().is_some_and(|w| w.is_capitalised()));
    }

    /// The scanner as first written, a character at a time: the byte
    /// scanner must find the same words.
    fn words_by_characters(text: &str) -> Vec<(usize, usize)> {
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let mut found = Vec::new();
        let mut start = None;
        for (n, &(at, c)) in chars.iter().enumerate() {
            if c.is_alphabetic() {
                start.get_or_insert(at);
                continue;
            }
            let letter_next = chars.get(n + 1).is_some_and(|(_, next)| next.is_alphabetic());
            if let Some(s) = start
                && !(matches!(c, '-' | '\'' | '.' | '’') && letter_next)
            {
                found.push((s, at));
                start = None;
            }
        }
        found.extend(start.map(|s| (s, text.len())));
        found
    }

    #[test]
    fn the_byte_scanner_finds_the_words_the_character_scanner_found() {
        let pieces = [
            "a",
            "Z",
            "æ",
            "Ø",
            "å",
            "é",
            "×",
            "÷",
            "ª",
            "ł",
            "中",
            "K",
            "-",
            "'",
            ".",
            "’",
            " ",
            "\u{a0}",
            "1",
            "⟨navn⟩",
            "--",
            "..",
            "g.nr",
            "Per-Olav",
            "\n",
        ];
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..20_000 {
            let mut text = String::new();
            for _ in 0..1 + state % 12 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                text.push_str(pieces[(state % pieces.len() as u64) as usize]);
            }
            let found: Vec<(usize, usize)> = words(&text).iter().map(|w| (w.start, w.end)).collect();
            assert_eq!(found, words_by_characters(&text), "{text:?}");
        }
    }

    #[test]
    fn words_before_are_nearest_first_and_lowercase() {
        let found: Vec<Cow<'_, str>> = lowercase_words_before("ring meg på Mobil:", 2).collect();
        assert_eq!(found, ["mobil", "på"]);
        assert!(ends_with_word("beløp kr. ", "kr"));
        assert!(!ends_with_word("beløpkr ", "kr"));
    }
}
