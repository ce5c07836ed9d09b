//! `veiviser mask`: masks text line by line with the master's masker, so that
//! agencies and test suites can mask their own logs and data, and masking's
//! throughput can be measured from outside.

use std::io::{BufRead, Write};

use serde::Serialize;
use veiviser_masking::Masker;

/// One masked line in `--json` form: the masked text and what was found
/// (kinds and byte ranges in the original line, never the values).
#[derive(Debug, Serialize)]
struct MaskedLine<'a> {
    text: &'a str,
    found: Vec<FoundJson>,
}

#[derive(Debug, Serialize)]
struct FoundJson {
    kind: &'static str,
    start: usize,
    end: usize,
}

/// Masks each line of `input` into `output`: the masked line, or with `json`
/// one JSON object a line. Lines that are not UTF-8 are masked as their lossy
/// UTF-8 form, so that nothing passes unmasked.
pub fn mask_lines(masker: &Masker, input: impl BufRead, mut output: impl Write, json: bool) -> std::io::Result<u64> {
    let mut lines = 0;
    for line in input.split(b'\n') {
        let line = line?;
        let line = String::from_utf8_lossy(&line);
        let line = line.strip_suffix('\r').unwrap_or(&line);
        let masked = masker.mask(line);
        if json {
            let found = masked
                .found
                .iter()
                .map(|f| FoundJson {
                    kind: f.kind.id(),
                    start: f.start,
                    end: f.end,
                })
                .collect();
            serde_json::to_writer(
                &mut output,
                &MaskedLine {
                    text: &masked.text,
                    found,
                },
            )?;
            output.write_all(b"\n")?;
        } else {
            output.write_all(masked.text.as_bytes())?;
            output.write_all(b"\n")?;
        }
        lines += 1;
    }
    output.flush()?;
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_each_line_and_reports_kinds_and_ranges_without_values() {
        let input = "fnr 12835012180\ningenting her\r\nring 41262134\n";
        let mut out = Vec::new();
        let lines = mask_lines(&Masker::default(), input.as_bytes(), &mut out, false).expect("masked");
        assert_eq!(lines, 3);
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            "fnr ⟨fødselsnummer⟩\ningenting her\nring ⟨telefonnummer⟩\n"
        );

        let mut out = Vec::new();
        mask_lines(&Masker::default(), "fnr 12835012180\n".as_bytes(), &mut out, true).expect("masked");
        let out = String::from_utf8(out).expect("utf-8");
        let value: serde_json::Value = serde_json::from_str(out.trim()).expect("JSON");
        assert_eq!(value["text"], "fnr ⟨fødselsnummer⟩");
        assert_eq!(value["found"][0]["kind"], "fodselsnummer");
        assert_eq!(
            (value["found"][0]["start"].as_u64(), value["found"][0]["end"].as_u64()),
            (Some(4), Some(15))
        );
        assert!(!out.contains("12835012180"));
    }
}
