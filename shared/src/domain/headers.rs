//! Custom headers sent with every delivery of a webhook.

use std::collections::BTreeMap;

pub const MAX_HEADERS: usize = 20;
const MAX_VALUE_LEN: usize = 4096;

/// Lower-cased header names to values; names the service sets itself are refused.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CustomHeaders(BTreeMap<String, String>);

impl CustomHeaders {
    /// Returns every problem found, each as (header name, message).
    pub fn parse(raw: BTreeMap<String, String>) -> Result<Self, Vec<(String, String)>> {
        let mut errors = Vec::new();
        if raw.len() > MAX_HEADERS {
            errors.push((String::new(), format!("at most {MAX_HEADERS} headers")));
        }
        let mut headers = BTreeMap::new();
        for (name, value) in raw {
            let lower = name.to_ascii_lowercase();
            if http::HeaderName::from_bytes(name.as_bytes()).is_err() || name.len() > 256 {
                errors.push((name, "is not a valid header name".to_owned()));
            } else if is_reserved(&lower) {
                errors.push((
                    name,
                    "is set by Hookline itself and cannot be overridden".to_owned(),
                ));
            } else if value.len() > MAX_VALUE_LEN || http::HeaderValue::from_str(&value).is_err() {
                errors.push((name, "is not a valid header value".to_owned()));
            } else if headers.insert(lower, value).is_some() {
                errors.push((name, "is given twice (header names ignore case)".to_owned()));
            }
        }
        if errors.is_empty() {
            Ok(Self(headers))
        } else {
            Err(errors)
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter()
    }

    /// The names, in order.
    pub fn names(&self) -> Vec<String> {
        self.0.keys().cloned().collect()
    }

    pub fn as_map(&self) -> &BTreeMap<String, String> {
        &self.0
    }
}

/// Headers the service sets itself, and hop-by-hop and framing headers whose values would
/// change how the request is sent or read (a `transfer-encoding` or `connection` from a
/// user could desync the receiver's parser or the connection pool). `lower` is lower-case.
pub fn is_reserved(lower: &str) -> bool {
    lower.starts_with("webhook-")
        || lower.starts_with("proxy-")
        || matches!(
            lower,
            "content-type"
                | "content-length"
                | "host"
                | "user-agent"
                | "transfer-encoding"
                | "connection"
                | "keep-alive"
                | "te"
                | "trailer"
                | "upgrade"
                | "expect"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn keeps_custom_headers() {
        let h = CustomHeaders::parse(map(&[("X-Custom", "v")])).unwrap();
        assert_eq!(h.as_map().get("x-custom").map(String::as_str), Some("v"));
    }

    #[test]
    fn refuses_reserved_invalid_and_too_many_headers() {
        for bad in [
            "Webhook-Id",
            "Content-Type",
            "host",
            "User-Agent",
            "bad header",
            "Transfer-Encoding",
            "connection",
            "Keep-Alive",
            "TE",
            "Trailer",
            "Upgrade",
            "Expect",
            "Proxy-Authorization",
            "proxy-connection",
        ] {
            assert!(CustomHeaders::parse(map(&[(bad, "v")])).is_err(), "{bad}");
        }
        assert!(CustomHeaders::parse(map(&[("x-a", "line\nbreak")])).is_err());
        let many: BTreeMap<String, String> = (0..21)
            .map(|i| (format!("x-h{i}"), "v".to_owned()))
            .collect();
        assert!(CustomHeaders::parse(many).is_err());
    }
}
