//! Masking: every injected value, in every form the scanner detects (`keyward_scan::encodings`,
//! the one list: base64 at each alignment, base64url, URL-encoded, hex, JSON-escaped,
//! shell-quoted, CRLF lines) and its whole base64 encodings, replaced by
//! `<concealed by keyward>` in a stream of output, also when a value arrives split across reads.
//!
//! The stream holds back only the shortest tail that could still become a match (a suffix that
//! is a proper prefix of some form), so output that cannot be part of a secret flows at once and
//! prompts without a newline still show.

use aho_corasick::{AhoCorasick, MatchKind};
use keyward_scan::encodings::masked_forms;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

pub const MASK: &[u8] = b"<concealed by keyward>";

/// Values shorter than this are not masked: masking `on` or `1` would garble all output.
pub const MIN_MASKED_LEN: usize = 4;

/// Encoded forms shorter than this are not masked: a 4-character base64 group of a short value
/// turns up in ordinary output by chance.
const MIN_FORM_LEN: usize = 8;

/// The compiled set of forms to conceal. Share one between the stdout and stderr streams.
/// The forms are wiped when it is dropped; `Debug` shows only how many there are.
pub struct Masker {
    matcher: Option<AhoCorasick>,
    forms: Vec<Zeroizing<Vec<u8>>>,
    starts: [bool; 256],
    longest: usize,
}

impl std::fmt::Debug for Masker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Masker")
            .field("forms", &self.forms.len())
            .finish_non_exhaustive()
    }
}

impl Masker {
    pub fn new<'a>(values: impl IntoIterator<Item = &'a [u8]>) -> Result<Masker> {
        let mut forms: Vec<Zeroizing<Vec<u8>>> = Vec::new();
        for value in values {
            if value.len() < MIN_MASKED_LEN {
                continue;
            }
            forms.extend(
                masked_forms(value)
                    .into_iter()
                    .filter(|form| **form == *value || form.len() >= MIN_FORM_LEN),
            );
        }
        forms.sort_unstable_by(|a, b| a.as_slice().cmp(b.as_slice()));
        forms.dedup_by(|a, b| a.as_slice() == b.as_slice());
        let mut starts = [false; 256];
        for form in &forms {
            if let Some(slot) = form.first().and_then(|&b| starts.get_mut(usize::from(b))) {
                *slot = true;
            }
        }
        let longest = forms.iter().map(|f| f.len()).max().unwrap_or(0);
        let matcher = if forms.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(forms.iter().map(|f| f.as_slice()))
                    .map_err(|e| Error::Invalid(format!("could not build the output mask: {e}")))?,
            )
        };
        Ok(Masker {
            matcher,
            forms,
            starts,
            longest,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.matcher.is_none()
    }

    /// A stream that masks bytes pushed into it.
    pub fn stream(&self) -> MaskStream<'_> {
        MaskStream {
            masker: self,
            held: Vec::new(),
        }
    }

    /// The length of the longest suffix of `buf` that is a proper prefix of some form.
    fn pending_len(&self, buf: &[u8]) -> usize {
        let window = self.longest.saturating_sub(1).min(buf.len());
        let from = buf.len() - window;
        for start in from..buf.len() {
            let Some(tail) = buf.get(start..) else {
                continue;
            };
            let Some(&first) = tail.first() else { continue };
            if self
                .starts
                .get(usize::from(first))
                .copied()
                .unwrap_or(false)
                && self
                    .forms
                    .iter()
                    .any(|f| f.len() > tail.len() && f.starts_with(tail))
            {
                return tail.len();
            }
        }
        0
    }
}

/// One output stream (stdout or stderr) being masked.
#[derive(Debug)]
pub struct MaskStream<'a> {
    masker: &'a Masker,
    held: Vec<u8>,
}

impl MaskStream<'_> {
    /// Masks `input` after what was held back; appends what is safe to show to `out`.
    pub fn push(&mut self, input: &[u8], out: &mut Vec<u8>) {
        let Some(matcher) = &self.masker.matcher else {
            out.extend_from_slice(input);
            return;
        };
        self.held.extend_from_slice(input);
        let buf = std::mem::take(&mut self.held);
        let hold_from = buf.len() - self.masker.pending_len(&buf);
        let mut cut = hold_from;
        let mut at = 0;
        for m in matcher.find_iter(&buf) {
            if m.end() > hold_from {
                // This match touches the tail that may still grow into a longer form.
                cut = cut.min(m.start());
                break;
            }
            out.extend_from_slice(buf.get(at..m.start()).unwrap_or_default());
            out.extend_from_slice(MASK);
            at = m.end();
        }
        let cut = cut.max(at);
        out.extend_from_slice(buf.get(at..cut).unwrap_or_default());
        self.held = buf.get(cut..).unwrap_or_default().to_vec();
    }

    /// Flushes what was held back at the end of the stream.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        let buf = std::mem::take(&mut self.held);
        match &self.masker.matcher {
            Some(matcher) => {
                let mut at = 0;
                for m in matcher.find_iter(&buf) {
                    out.extend_from_slice(buf.get(at..m.start()).unwrap_or_default());
                    out.extend_from_slice(MASK);
                    at = m.end();
                }
                out.extend_from_slice(buf.get(at..).unwrap_or_default());
            }
            None => out.extend_from_slice(&buf),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mask_in_pieces(masker: &Masker, input: &[u8], cuts: &[usize]) -> Vec<u8> {
        let mut stream = masker.stream();
        let mut out = Vec::new();
        let mut at = 0;
        for &cut in cuts {
            stream.push(&input[at..cut], &mut out);
            at = cut;
        }
        stream.push(&input[at..], &mut out);
        stream.finish(&mut out);
        out
    }

    /// Quotes, a dollar, a backslash, a slash and a plus make every form differ from the plain
    /// one: JSON-escaped, both shell quotings, base64 and base64url.
    const SECRET: &[u8] = b"sk_live_51Hx/y+z=Q\"it's $HOME\\???";

    fn assert_concealed_at_every_split(masker: &Masker, form: &[u8], what: &str) {
        let mut input = b"before ".to_vec();
        input.extend_from_slice(form);
        input.extend_from_slice(b" after\n");
        let expected = [b"before ".as_slice(), MASK, b" after\n"].concat();
        for cut in 0..=input.len() {
            assert_eq!(
                mask_in_pieces(masker, &input, &[cut]),
                expected,
                "{what}, cut at {cut}"
            );
        }
        for a in 0..input.len() {
            let b = (a + 3).min(input.len());
            assert_eq!(
                mask_in_pieces(masker, &input, &[a, b]),
                expected,
                "{what}, cuts at {a} and {b}"
            );
        }
    }

    #[test]
    fn every_form_the_scanner_detects_is_concealed_wherever_the_reads_split() {
        use keyward_scan::encodings::{Encoding, forms};
        let masker = Masker::new([SECRET]).unwrap();
        let all = forms(SECRET);
        for encoding in [
            Encoding::Plain,
            Encoding::Base64,
            Encoding::Base64url,
            Encoding::Url,
            Encoding::Hex,
            Encoding::Json,
            Encoding::Shell,
        ] {
            let of_kind: Vec<_> = all.iter().filter(|f| f.encoding == encoding).collect();
            assert!(!of_kind.is_empty(), "the secret has a {encoding:?} form");
            for form in of_kind {
                assert_concealed_at_every_split(&masker, &form.text, encoding.name());
            }
        }
    }

    #[test]
    fn whole_base64_encodings_are_concealed_to_the_last_character() {
        use base64::Engine as _;
        use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
        let masker = Masker::new([SECRET]).unwrap();
        assert_concealed_at_every_split(&masker, STANDARD.encode(SECRET).as_bytes(), "base64");
        assert_concealed_at_every_split(
            &masker,
            URL_SAFE_NO_PAD.encode(SECRET).as_bytes(),
            "base64url",
        );
    }

    #[test]
    fn debug_shows_no_form() {
        let masker = Masker::new([SECRET]).unwrap();
        let shown = format!("{masker:?}");
        assert!(!shown.contains("sk_live"), "{shown}");
        assert!(shown.starts_with("Masker { forms: "), "{shown}");
    }

    #[test]
    fn text_that_only_starts_like_a_secret_flows_unchanged() {
        let masker = Masker::new([b"hunter2-secret".as_slice()]).unwrap();
        let mut stream = masker.stream();
        let mut out = Vec::new();
        stream.push(b"Password: ", &mut out);
        assert_eq!(out, b"Password: ", "a prompt with no newline shows at once");
        stream.push(b"hunter2-", &mut out);
        assert_eq!(out, b"Password: ", "a possible start of the secret is held");
        stream.push(b"nope", &mut out);
        stream.finish(&mut out);
        assert_eq!(out, b"Password: hunter2-nope");
    }

    #[test]
    fn multi_line_values_and_colours() {
        let pem = b"-----BEGIN KEY-----\nAAAA\n-----END KEY-----";
        let masker = Masker::new([pem.as_slice()]).unwrap();
        let crlf = b"-----BEGIN KEY-----\r\nAAAA\r\n-----END KEY-----";
        let input = [b"\x1b[31m".as_slice(), pem, b"\x1b[0m\r\n", crlf].concat();
        let out = mask_in_pieces(&masker, &input, &[25]);
        assert_eq!(
            out,
            [b"\x1b[31m".as_slice(), MASK, b"\x1b[0m\r\n", MASK].concat()
        );
    }

    #[test]
    fn short_values_are_left_alone() {
        let masker = Masker::new([b"on".as_slice()]).unwrap();
        assert!(masker.is_empty());
        assert_eq!(mask_in_pieces(&masker, b"turn on", &[3]), b"turn on");
    }

    #[test]
    fn a_one_character_difference_is_not_masked() {
        let masker = Masker::new([b"abcdefgh12345".as_slice()]).unwrap();
        assert_eq!(
            mask_in_pieces(&masker, b"abcdefgh12346", &[]),
            b"abcdefgh12346"
        );
    }
}
