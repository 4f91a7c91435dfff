//! Rules for free text: bounded in characters (Unicode scalar values, not
//! bytes), no control characters, nothing that reorders or hides what an
//! operator reads on the console.

use crate::ProtocolError;

/// Whether a field may span several lines (notes, cancel reasons) or is one
/// line (names, phones, plates, codes, versions).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lines {
    Single,
    Multi,
}

/// A character no text field may carry: control characters (except `\n` in
/// multi-line fields), the Unicode line and paragraph separators in one-line
/// fields, and the bidirectional embeddings, overrides and isolates that can
/// make a name or note read differently from what was sent.
pub fn is_refused_char(c: char, lines: Lines) -> bool {
    match c {
        '\n' => lines == Lines::Single,
        '\u{2028}' | '\u{2029}' => lines == Lines::Single,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => true,
        c => c.is_control(),
    }
}

pub(crate) fn check_text(
    field: &'static str,
    s: &str,
    max_chars: usize,
    required: bool,
    lines: Lines,
) -> Result<(), ProtocolError> {
    if required && s.trim().is_empty() {
        return Err(ProtocolError::invalid(field, "must not be empty"));
    }
    // Stop counting at the bound: the cost stays proportional to the limit.
    if s.chars().nth(max_chars).is_some() {
        return Err(ProtocolError::invalid(field, "too long"));
    }
    if s.chars().any(|c| is_refused_char(c, lines)) {
        return Err(ProtocolError::invalid(
            field,
            "contains control or bidirectional-override characters",
        ));
    }
    Ok(())
}

pub(crate) fn check_opt_text(
    field: &'static str,
    s: &Option<String>,
    max_chars: usize,
    lines: Lines,
) -> Result<(), ProtocolError> {
    match s {
        Some(s) => check_text(field, s, max_chars, true, lines),
        None => Ok(()),
    }
}

/// Makes text a person typed acceptable to the validator instead of refusing
/// the whole message for it: `\r\n` and `\r` become `\n` (or a space in
/// one-line fields), tabs and the Unicode line separators become spaces,
/// other refused characters are dropped, the ends are trimmed and the result
/// is cut to `max_chars` characters. An SOS note is never the reason an SOS
/// fails. The result may be empty; an optional field should then be `None`.
pub fn sanitize_text(s: &str, max_chars: usize, lines: Lines) -> String {
    let newline = match lines {
        Lines::Single => ' ',
        Lines::Multi => '\n',
    };
    let mut out = String::with_capacity(s.len().min(max_chars.saturating_mul(4)));
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        let c = match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                newline
            }
            '\n' | '\u{2028}' | '\u{2029}' => newline,
            '\t' => ' ',
            c if is_refused_char(c, lines) => continue,
            c => c,
        };
        out.push(c);
    }
    out.trim()
        .chars()
        .take(max_chars)
        .collect::<String>()
        .trim_end()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitized_text_always_passes_the_check() {
        let inputs = [
            "  Me\r\nrobaron\tel\u{202E}celular\u{0}  ",
            "\u{2028}\u{2029}",
            "ñandú 🚕",
            "\r\r\n\n",
        ];
        for input in inputs {
            for lines in [Lines::Single, Lines::Multi] {
                let out = sanitize_text(input, 10, lines);
                assert!(out.chars().count() <= 10, "{out:?}");
                if !out.trim().is_empty() {
                    assert_eq!(check_text("note", &out, 10, true, lines), Ok(()), "{out:?}");
                }
            }
        }
        assert_eq!(sanitize_text("a\r\nb", 10, Lines::Multi), "a\nb");
        assert_eq!(sanitize_text("a\r\nb", 10, Lines::Single), "a b");
        assert_eq!(sanitize_text("ab\u{202E}c", 10, Lines::Single), "abc");
    }

    #[test]
    fn length_is_counted_in_characters_not_bytes() {
        let name = "ñ".repeat(120);
        assert!(name.len() > 120);
        assert_eq!(check_text("n", &name, 120, true, Lines::Single), Ok(()));
        let longer = "ñ".repeat(121);
        assert!(check_text("n", &longer, 120, true, Lines::Single).is_err());
    }

    #[test]
    fn newlines_only_in_multi_line_fields() {
        assert!(check_text("n", "a\nb", 10, true, Lines::Single).is_err());
        assert_eq!(check_text("n", "a\nb", 10, true, Lines::Multi), Ok(()));
        assert!(check_text("n", "a\rb", 10, true, Lines::Multi).is_err());
        assert!(check_text("n", "a\u{2066}b", 10, true, Lines::Multi).is_err());
    }
}
