//! The URL guard: which webhook URLs may be registered.
//!
//! Parsing goes through the WHATWG URL parser (`url` crate), which already folds every IPv4
//! spelling a browser accepts (`2130706433`, `0177.0.0.1`, `0x7f.1`, `127.1`, trailing dots)
//! into one address, so the checks below see the address a client would really connect to.
//! Registration checks the literal host; resolving names and pinning the vetted address at
//! delivery time belongs to the delivery path.

use ipnet::{Ipv4Net, Ipv6Net};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;
use url::{Host, Url};

pub const MAX_URL_LEN: usize = 2048;

/// Whether the development switch is on: `http` and private or loopback hosts allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UrlPolicy {
    pub allow_private: bool,
}

impl UrlPolicy {
    pub const STRICT: UrlPolicy = UrlPolicy {
        allow_private: false,
    };
    pub const DEVELOPMENT: UrlPolicy = UrlPolicy {
        allow_private: true,
    };
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UrlError {
    /// Not a URL at all, or too long: a `validation_error`.
    Invalid(String),
    /// A URL the policy refuses: `url_not_allowed`.
    NotAllowed(String),
}

/// A webhook's target, parsed and checked against the policy in force when it was given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookUrl(Url);

impl WebhookUrl {
    pub fn parse(text: &str, policy: UrlPolicy) -> Result<Self, UrlError> {
        if text.len() > MAX_URL_LEN {
            return Err(UrlError::Invalid(format!(
                "must be at most {MAX_URL_LEN} characters"
            )));
        }
        let url = Url::parse(text).map_err(|e| UrlError::Invalid(format!("is not a URL: {e}")))?;
        match url.scheme() {
            "https" => {}
            "http" if policy.allow_private => {}
            "http" => return Err(UrlError::NotAllowed("must use https".into())),
            other => {
                return Err(UrlError::NotAllowed(format!(
                    "scheme {other:?} is not allowed"
                )));
            }
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(UrlError::NotAllowed(
                "must not carry a user name or password".into(),
            ));
        }
        let host = url
            .host()
            .ok_or_else(|| UrlError::Invalid("has no host".into()))?;
        if !policy.allow_private {
            check_host(&host).map_err(UrlError::NotAllowed)?;
        }
        Ok(Self(url))
    }

    /// Rebuilds a URL read back from storage: it was checked when it was stored.
    pub fn from_stored(text: &str) -> Option<Self> {
        Url::parse(text).ok().map(Self)
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub fn url(&self) -> &Url {
        &self.0
    }
}

impl serde::Serialize for WebhookUrl {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for WebhookUrl {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <String as serde::Deserialize>::deserialize(d)?;
        Self::from_stored(&text).ok_or_else(|| serde::de::Error::custom("stored URL is invalid"))
    }
}

fn check_host(host: &Host<&str>) -> Result<(), String> {
    let refused = |what: &str| Err(format!("host is {what}, which webhooks may not target"));
    match host {
        Host::Domain(name) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            if name.is_empty() || name == "localhost" || name.ends_with(".localhost") {
                return refused("a loopback name");
            }
            // A name that still spells an address (the parser leaves a few forms as names).
            if let Ok(ip) = name.parse::<IpAddr>() {
                return check_ip(ip);
            }
            Ok(())
        }
        Host::Ipv4(ip) => check_ip(IpAddr::V4(*ip)),
        Host::Ipv6(ip) => check_ip(IpAddr::V6(*ip)),
    }
}

/// `Err` names why an address may not be the target of a delivery.
pub fn check_ip(ip: IpAddr) -> Result<(), String> {
    if is_forbidden(ip) {
        Err(format!(
            "host is {ip}, a non-public address that webhooks may not target"
        ))
    } else {
        Ok(())
    }
}

fn nets<T: std::str::FromStr>(list: &[&str]) -> Vec<T> {
    list.iter().filter_map(|n| n.parse().ok()).collect()
}

/// Every IPv4 range that is not the public internet.
static FORBIDDEN_V4: LazyLock<Vec<Ipv4Net>> = LazyLock::new(|| {
    nets(&[
        "0.0.0.0/8",       // "this network", unspecified
        "10.0.0.0/8",      // private
        "100.64.0.0/10",   // carrier-grade NAT
        "127.0.0.0/8",     // loopback
        "169.254.0.0/16",  // link-local, cloud metadata (169.254.169.254)
        "172.16.0.0/12",   // private
        "192.0.0.0/24",    // IETF protocol assignments
        "192.0.2.0/24",    // documentation
        "192.88.99.0/24",  // 6to4 relay anycast
        "192.168.0.0/16",  // private
        "198.18.0.0/15",   // benchmarking
        "198.51.100.0/24", // documentation
        "203.0.113.0/24",  // documentation
        "224.0.0.0/4",     // multicast
        "240.0.0.0/4",     // reserved, and 255.255.255.255 broadcast
    ])
});

/// Every IPv6 range that is not the public internet, except the ones that embed an IPv4
/// address, which are judged by that address.
static FORBIDDEN_V6: LazyLock<Vec<Ipv6Net>> = LazyLock::new(|| {
    nets(&[
        "::/128",         // unspecified
        "::1/128",        // loopback
        "64:ff9b:1::/48", // local-use NAT64
        "100::/64",       // discard
        "2001::/23",      // IETF protocol assignments, Teredo
        "2001:db8::/32",  // documentation
        "fc00::/7",       // unique-local, AWS metadata (fd00:ec2::254)
        "fe80::/10",      // link-local
        "fec0::/10",      // site-local (deprecated)
        "ff00::/8",       // multicast
    ])
});

fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => FORBIDDEN_V4.iter().any(|n| n.contains(&v4)),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => is_forbidden(IpAddr::V4(v4)),
            None => FORBIDDEN_V6.iter().any(|n| n.contains(&v6)),
        },
    }
}

/// The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`),
/// NAT64 (`64:ff9b::a.b.c.d`) or 6to4 (`2002:AABB:CCDD::`) address.
fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = v6.segments();
    let o = v6.octets();
    let tail = Ipv4Addr::new(o[12], o[13], o[14], o[15]);
    match s {
        [0, 0, 0, 0, 0, 0xffff, _, _] => Some(tail),
        [0, 0, 0, 0, 0, 0, hi, _] if hi != 0 => Some(tail), // compatible; ::, ::1 stay v6
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(tail),
        [0x2002, _, _, ..] => Some(Ipv4Addr::new(o[2], o[3], o[4], o[5])),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn strict(text: &str) -> Result<WebhookUrl, UrlError> {
        WebhookUrl::parse(text, UrlPolicy::STRICT)
    }

    fn refused(text: &str) -> bool {
        matches!(strict(text), Err(UrlError::NotAllowed(_)))
    }

    #[test]
    fn accepts_public_https_urls() {
        for ok in [
            "https://example.com/hook",
            "https://93.184.215.14:8443/x?y=1",
            "https://[2606:4700::1111]/",
        ] {
            assert!(strict(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn refuses_loopback_in_every_spelling() {
        for bad in [
            "https://127.0.0.1/",
            "https://2130706433/",
            "https://0177.0.0.1/",
            "https://0x7f.0.0.1/",
            "https://127.1/",
            "https://0x7f000001/",
            "https://127.0.0.1./",
            "https://localhost/",
            "https://LOCALHOST./",
            "https://api.localhost/",
            "https://[::1]/",
            "https://[::ffff:127.0.0.1]/",
            "https://[::ffff:7f00:1]/",
            "https://[::127.0.0.1]/",
            "https://[64:ff9b::7f00:1]/",
            "https://[2002:7f00:1::]/",
        ] {
            assert!(refused(bad), "{bad} should be refused");
        }
    }

    #[test]
    fn refuses_private_link_local_metadata_cgnat_and_special_addresses() {
        for bad in [
            "https://10.0.0.1/",
            "https://172.16.5.4/",
            "https://192.168.1.1/",
            "https://169.254.169.254/latest/meta-data/",
            "https://[fd00:ec2::254]/",
            "https://100.64.0.1/",
            "https://[fe80::1]/",
            "https://[fc00::1]/",
            "https://224.0.0.1/",
            "https://255.255.255.255/",
            "https://0.0.0.0/",
            "https://[::]/",
            "https://[ff02::1]/",
            "https://0/",
            "https://[::ffff:169.254.169.254]/",
            "https://3232235777/",
        ] {
            assert!(refused(bad), "{bad} should be refused");
        }
    }

    #[test]
    fn refuses_plain_http_other_schemes_and_userinfo() {
        assert!(refused("http://example.com/"));
        assert!(refused("ftp://example.com/"));
        assert!(refused("https://user:pass@example.com/"));
        assert!(refused("https://user@example.com/"));
    }

    #[test]
    fn malformed_and_overlong_urls_are_invalid_not_refused() {
        assert!(matches!(strict("not a url"), Err(UrlError::Invalid(_))));
        assert!(matches!(
            strict("https://[fe80::1%25eth0]/"),
            Err(UrlError::Invalid(_))
        ));
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_LEN));
        assert!(matches!(strict(&long), Err(UrlError::Invalid(_))));
    }

    #[test]
    fn the_development_switch_allows_http_and_loopback() {
        assert!(WebhookUrl::parse("http://127.0.0.1:9/x", UrlPolicy::DEVELOPMENT).is_ok());
        assert!(WebhookUrl::parse("https://user@example.com/", UrlPolicy::DEVELOPMENT).is_err());
    }

    proptest! {
        #[test]
        fn every_spelling_of_a_loopback_or_private_v4_address_is_refused(
            net in prop::sample::select(vec![(127u32 << 24, 8u32), (10 << 24, 8), ((192 << 24) | (168 << 16), 16), ((169 << 24) | (254 << 16), 16)]),
            low in any::<u32>(),
            spelling in 0usize..4,
        ) {
            let (base, bits) = net;
            let ip = base | (low & (u32::MAX >> bits));
            let o = ip.to_be_bytes();
            let host = match spelling {
                0 => format!("{}.{}.{}.{}", o[0], o[1], o[2], o[3]),
                1 => ip.to_string(),
                2 => format!("0x{ip:x}"),
                _ => format!("0{:o}.0{:o}.0{:o}.0{:o}", o[0], o[1], o[2], o[3]),
            };
            let url = format!("https://{host}/hook");
            prop_assert!(refused(&url), "{} should be refused", url);
            let mapped = format!("https://[::ffff:{}.{}.{}.{}]/", o[0], o[1], o[2], o[3]);
            prop_assert!(refused(&mapped), "{} should be refused", mapped);
        }
    }
}
