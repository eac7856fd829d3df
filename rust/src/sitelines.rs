//! The corpus-level counting pass's keys (`pipeline/run/sites.py` says what the pass is and
//! why): a document's distinct body lines, and the 64-bit key of each (site, line).

use blake2::digest::{Update, VariableOutput};
use blake2::Blake2bVar;

/// The key of `text`: its BLAKE2b digest of 8 bytes, read little-endian (Python's
/// `int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "little")`): the same on every
/// machine, so workers of one cluster agree.
pub fn key(text: &[u8]) -> u64 {
    let mut hasher = Blake2bVar::new(8).expect("8 is a BLAKE2b digest size");
    hasher.update(text);
    let mut digest = [0u8; 8];
    hasher
        .finalize_variable(&mut digest)
        .expect("the buffer has the digest's size");
    u64::from_le_bytes(digest)
}

/// The document's distinct lines after its title, in order of first appearance: its lines that
/// are not empty, less the first when it is the title.
pub fn body_lines<'a>(text: &'a str, title: &str) -> Vec<&'a str> {
    let mut lines = text.split('\n').filter(|line| !line.is_empty()).peekable();
    if !title.is_empty() && lines.peek() == Some(&title) {
        lines.next();
    }
    let mut seen = ahash::AHashSet::new();
    lines.filter(|line| seen.insert(*line)).collect()
}

/// The key of each of `lines` on `site`: the key of "site\nline".
pub fn line_keys(site: &str, lines: &[&str]) -> Vec<u64> {
    let mut buffer = Vec::new();
    lines
        .iter()
        .map(|line| {
            buffer.clear();
            buffer.extend_from_slice(site.as_bytes());
            buffer.push(b'\n');
            buffer.extend_from_slice(line.as_bytes());
            key(&buffer)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_pythons_blake2b_of_eight_bytes() {
        // hashlib.blake2b(..., digest_size=8), little-endian.
        assert_eq!(key("example.com".as_bytes()), 7360799068904473875);
        assert_eq!(
            line_keys("example.com", &["Home"]),
            vec![5759127721622444116]
        );
        assert_eq!(
            line_keys("é.org", &["Menü · Start"]),
            vec![2529834401679901447]
        );
    }

    #[test]
    fn body_lines_are_distinct_and_leave_the_title_out() {
        let text = "Title\n\nHome\nAbout\n\nHome\nTitle";
        assert_eq!(body_lines(text, "Title"), vec!["Home", "About", "Title"]);
        assert_eq!(body_lines(text, ""), vec!["Title", "Home", "About"]);
        assert_eq!(body_lines(text, "Other"), vec!["Title", "Home", "About"]);
        assert!(body_lines("\n\n", "x").is_empty());
    }
}
