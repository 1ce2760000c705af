//! Keeping secrets out of everything a server says. A server (or a proxy in front of it) may
//! echo the API key back, in a 401 body ("bad key Bearer sk-…"), an error inside a stream, or
//! even a completion; rehearse shows and saves those texts, so every one of them passes through
//! [`Secrets::redact`] first, and streamed text through a [`StreamRedactor`], which holds back
//! the few characters at the end of a chunk that could be the start of a secret.

/// What must never be shown: the API key and any credentials in the base URL.
#[derive(Clone, Default)]
pub struct Secrets {
    values: Vec<String>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secrets({} redacted)", self.values.len())
    }
}

/// Shorter values would blank out ordinary words.
const MIN_SECRET_CHARS: usize = 6;

pub const MASK: &str = "***";

impl Secrets {
    pub fn new(values: impl IntoIterator<Item = String>) -> Secrets {
        let mut values: Vec<String> = values
            .into_iter()
            .filter(|v| v.chars().count() >= MIN_SECRET_CHARS)
            .collect();
        // Longest first, so a password inside a longer credential is masked with it.
        values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        values.dedup();
        Secrets { values }
    }

    /// The secrets of an endpoint: the key, and the `user:password` of a URL like
    /// `https://user:password@host/v1` (the password alone too).
    pub fn of_endpoint(api_key: Option<&str>, base_url: &str) -> Secrets {
        let mut values: Vec<String> = api_key.map(str::to_owned).into_iter().collect();
        if let Some((_, rest)) = base_url.split_once("://") {
            let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
            if let Some((userinfo, _)) = authority.rsplit_once('@') {
                values.push(userinfo.to_owned());
                if let Some((_, password)) = userinfo.split_once(':') {
                    values.push(password.to_owned());
                }
            }
        }
        Secrets::new(values)
    }

    /// `text` with every secret, and every `Bearer`/`Basic` credential whatever its value,
    /// replaced by `***`.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in &self.values {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), MASK);
            }
        }
        mask_auth_schemes(&out)
    }

    /// The longest end of `text` that could be the beginning of a secret.
    fn open_tail(&self, text: &str) -> usize {
        let mut longest = 0;
        for secret in &self.values {
            // Only char boundaries of the text, and proper prefixes of the secret.
            for (i, _) in text.char_indices().rev().take(secret.len()) {
                let tail = &text[i..];
                if tail.len() < secret.len() && secret.starts_with(tail) {
                    longest = longest.max(tail.len());
                }
            }
        }
        longest
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// Masks the credential after `Bearer ` or `Basic ` (any case) when it looks like one (eight or
/// more characters with a digit or a symbol of base64 or key alphabets): whatever key a server
/// echoes, ours or not, is not for the screen, while prose such as "a bearer token" or "a basic
/// idea" stays as written.
fn mask_auth_schemes(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let rest = &lower[i..];
        let scheme = ["bearer ", "basic "]
            .into_iter()
            .find(|s| rest.starts_with(s));
        let at_word = i == 0 || !text.as_bytes()[i - 1].is_ascii_alphanumeric();
        match scheme {
            Some(s) if at_word => {
                let start = i + s.len();
                let end = text[start..]
                    .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ',' | ';'))
                    .map_or(text.len(), |e| start + e);
                if looks_like_credential(&text[start..end]) {
                    out.push_str(&text[i..start]);
                    out.push_str(MASK);
                    i = end;
                    continue;
                }
                out.push_str(&text[i..start]);
                i = start;
            }
            _ => {
                let c = text[i..].chars().next().expect("in bounds");
                out.push(c);
                i += c.len_utf8();
            }
        }
    }
    out
}

fn looks_like_credential(token: &str) -> bool {
    token.len() >= 8
        && token
            .chars()
            .any(|c| c.is_ascii_digit() || matches!(c, '-' | '_' | '.' | '=' | '+' | '/'))
        && token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '=' | '+' | '/'))
}

/// Redacts a stream of text pieces: a secret split across two pieces is still caught, at the
/// cost of holding back (at most a secret's length of) text that could be its beginning.
#[derive(Debug, Default)]
pub struct StreamRedactor {
    secrets: Secrets,
    pending: String,
}

impl StreamRedactor {
    pub fn new(secrets: Secrets) -> StreamRedactor {
        StreamRedactor {
            secrets,
            pending: String::new(),
        }
    }

    /// Takes the next piece; returns what is safe to show now.
    pub fn push(&mut self, piece: &str) -> String {
        if self.secrets.is_empty() {
            return piece.to_owned();
        }
        self.pending.push_str(piece);
        let mut masked = String::new();
        for secret in &self.secrets.values {
            if self.pending.contains(secret.as_str()) {
                self.pending = self.pending.replace(secret.as_str(), MASK);
            }
        }
        let keep = self.secrets.open_tail(&self.pending);
        let cut = self.pending.len() - keep;
        masked.push_str(&self.pending[..cut]);
        self.pending.drain(..cut);
        masked
    }

    /// The rest, at the end of the stream.
    pub fn finish(&mut self) -> String {
        let rest = std::mem::take(&mut self.pending);
        self.secrets.redact(&rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_auth_values_are_masked() {
        let s = Secrets::of_endpoint(Some("sk-live-123456"), "https://bob:hunter22@h.example/v1");
        assert_eq!(
            s.redact("401: bad key sk-live-123456 for bob:hunter22"),
            "401: bad key *** for ***"
        );
        assert_eq!(s.redact("pw hunter22"), "pw ***");
        assert_eq!(
            s.redact("got Authorization: Bearer sk-other-999, Basic Ym9iOnB3"),
            "got Authorization: Bearer ***, Basic ***"
        );
        assert_eq!(s.redact("a basic idea"), "a basic idea");
        assert_eq!(
            s.redact("send a bearer token in the Authorization header"),
            "send a bearer token in the Authorization header"
        );
        assert_eq!(s.redact("no secrets here"), "no secrets here");
    }

    #[test]
    fn a_key_split_across_pieces_is_still_masked() {
        let secrets = Secrets::new(["sk-live-123456".to_owned()]);
        let mut r = StreamRedactor::new(secrets);
        let mut shown = String::new();
        for piece in ["your key is sk-li", "ve-12", "3456 ok", " sk", "-"] {
            shown.push_str(&r.push(piece));
        }
        shown.push_str(&r.finish());
        assert_eq!(shown, "your key is *** ok sk-");
        assert!(!shown.contains("123456"));
    }

    #[test]
    fn short_values_are_not_treated_as_secrets() {
        let s = Secrets::new(["ab".to_owned()]);
        assert_eq!(s.redact("about"), "about");
    }
}
