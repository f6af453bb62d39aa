//! The URL guard: which webhook URLs may be registered, and which addresses a delivery may
//! connect to. Registration and every delivery attempt go through the same `UrlPolicy`.
//!
//! Parsing goes through the WHATWG URL parser (`url` crate), which already folds every IPv4
//! spelling a browser accepts (`2130706433`, `0177.0.0.1`, `0x7f.1`, `127.1`, trailing dots)
//! into one address, so the checks below see the address a client would really connect to.
//! Registration checks the literal host; at delivery, `resolve::GuardedResolver` resolves the
//! name, vets every answer and hands only vetted addresses to the connector.

pub mod client;
pub mod resolve;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;
use url::{Host, Url};

pub const MAX_URL_LEN: usize = 2048;

/// The rules in force for webhook URLs and the addresses deliveries connect to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UrlPolicy {
    /// The development switch: `http`, and any host or address at all.
    pub development: bool,
    /// Non-public networks and host names that deliveries may reach all the same.
    pub allow: AllowList,
}

impl UrlPolicy {
    /// Production: `https` only, public addresses only, nothing allow-listed.
    pub const STRICT: UrlPolicy = UrlPolicy {
        development: false,
        allow: AllowList::EMPTY,
    };
    pub const DEVELOPMENT: UrlPolicy = UrlPolicy {
        development: true,
        allow: AllowList::EMPTY,
    };

    /// `Err` names why a delivery may not connect to `ip`.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), String> {
        if self.development || self.allow.contains_ip(ip) {
            Ok(())
        } else {
            check_public_ip(ip)
        }
    }

    /// Whether `name` is trusted to resolve to any address.
    fn trusts_name(&self, name: &str) -> bool {
        self.development || self.allow.contains_host(name)
    }

    /// Vets what `name` resolved to: every address must pass, or the attempt is refused (a
    /// name that answers with one private address among public ones is not trusted either).
    pub fn check_resolved(&self, name: &str, addrs: &[IpAddr]) -> Result<(), String> {
        if addrs.is_empty() {
            return Err(format!("host {name} resolved to no address"));
        }
        if self.trusts_name(name) {
            return Ok(());
        }
        for ip in addrs {
            self.check_ip(*ip)
                .map_err(|why| format!("host {name} resolves to {ip}: {why}"))?;
        }
        Ok(())
    }
}

/// The allow-list setting: CIDRs (`10.1.0.0/16`), addresses (`192.168.1.5`) and host names
/// (`hooks.internal.example`), separated by commas. An address inside a listed network, and
/// any address a listed name resolves to, may be reached although it is not public. `https`
/// is still required: only the development switch allows `http`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AllowList {
    nets: Vec<IpNet>,
    hosts: Vec<String>,
}

impl AllowList {
    pub const EMPTY: AllowList = AllowList {
        nets: Vec::new(),
        hosts: Vec::new(),
    };

    pub fn parse(text: &str) -> Result<Self, String> {
        let mut list = AllowList::default();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            if let Ok(net) = entry.parse::<IpNet>() {
                list.nets.push(net.trunc());
            } else if let Ok(ip) = entry.parse::<IpAddr>() {
                list.nets.push(IpNet::from(ip));
            } else if let Ok(Host::Domain(name)) = Host::parse(entry) {
                list.hosts.push(normalize_name(&name));
            } else {
                return Err(format!(
                    "{entry:?} is not a CIDR, an IP address or a host name"
                ));
            }
        }
        Ok(list)
    }

    pub fn is_empty(&self) -> bool {
        self.nets.is_empty() && self.hosts.is_empty()
    }

    fn contains_ip(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.nets.iter().any(|n| n.contains(&ip))
    }

    fn contains_host(&self, name: &str) -> bool {
        let name = normalize_name(name);
        self.hosts.contains(&name)
    }
}

impl std::str::FromStr for AllowList {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        Self::parse(text)
    }
}

/// Host names compare without case and without the trailing dot of a fully-qualified name.
fn normalize_name(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// An IPv4-mapped IPv6 address is the IPv4 address it maps (the allow-list matches either).
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
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
    pub fn parse(text: &str, policy: &UrlPolicy) -> Result<Self, UrlError> {
        if text.len() > MAX_URL_LEN {
            return Err(UrlError::Invalid(format!(
                "must be at most {MAX_URL_LEN} characters"
            )));
        }
        // The URL parser rejects IPv6 zone ids (`[fe80::1%25eth0]`) as malformed; they only
        // ever name a link-local interface, so they are refused as such.
        if bracketed_host(text).is_some_and(|h| h.contains('%')) {
            return Err(UrlError::NotAllowed(
                "host carries an IPv6 zone id, which webhooks may not target".into(),
            ));
        }
        let url = Url::parse(text).map_err(|e| UrlError::Invalid(format!("is not a URL: {e}")))?;
        check_url(&url, policy)?;
        Ok(Self(url))
    }

    /// Checks a stored URL again under the policy in force now, before an attempt: the rules
    /// or the allow-list may have changed since it was registered. The parsed form is checked,
    /// so an attempt does not parse the URL again.
    pub fn recheck(&self, policy: &UrlPolicy) -> Result<(), String> {
        check_url(&self.0, policy)
            .map_err(|(UrlError::Invalid(why) | UrlError::NotAllowed(why))| why)
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

/// The scheme, userinfo and host rules, on a parsed URL.
fn check_url(url: &Url, policy: &UrlPolicy) -> Result<(), UrlError> {
    match url.scheme() {
        "https" => {}
        "http" if policy.development => {}
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
    check_host(&host, policy).map_err(UrlError::NotAllowed)
}

/// The host between `[` and `]` in a URL's authority, if it has one.
fn bracketed_host(text: &str) -> Option<&str> {
    let after_scheme = text.split_once("//").map_or(text, |(_, rest)| rest);
    let authority = after_scheme.split(['/', '?', '#']).next()?;
    let (_, rest) = authority.split_once('[')?;
    rest.split_once(']').map(|(host, _)| host)
}

fn check_host(host: &Host<&str>, policy: &UrlPolicy) -> Result<(), String> {
    let refused = |what: &str| Err(format!("host is {what}, which webhooks may not target"));
    match host {
        Host::Domain(name) => {
            if policy.trusts_name(name) {
                return Ok(());
            }
            let name = normalize_name(name);
            if name.is_empty() || name == "localhost" || name.ends_with(".localhost") {
                return refused("a loopback name");
            }
            // A name that still spells an address (the parser leaves a few forms as names).
            if let Ok(ip) = name.parse::<IpAddr>() {
                return policy.check_ip(ip);
            }
            Ok(())
        }
        Host::Ipv4(ip) => policy.check_ip(IpAddr::V4(*ip)),
        Host::Ipv6(ip) => policy.check_ip(IpAddr::V6(*ip)),
    }
}

/// `Err` names why an address may not be the target of a delivery.
pub fn check_public_ip(ip: IpAddr) -> Result<(), String> {
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
        "::/96",           // unspecified, loopback, IPv4-compatible (deprecated): none routable
        "::ffff:0:0:0/96", // IPv4-translated (SIIT): never a public destination
        "64:ff9b:1::/48",  // local-use NAT64
        "100::/64",        // discard
        "2001::/23",       // IETF protocol assignments, Teredo
        "2001:db8::/32",   // documentation
        "fc00::/7",        // unique-local, AWS metadata (fd00:ec2::254)
        "fe80::/10",       // link-local
        "fec0::/10",       // site-local (deprecated)
        "ff00::/8",        // multicast
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

/// The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`), NAT64 (`64:ff9b::a.b.c.d`) or
/// 6to4 (`2002:AABB:CCDD::`) address. IPv4-compatible (`::a.b.c.d`) and IPv4-translated
/// (`::ffff:0:a.b.c.d`) addresses are refused whole (`FORBIDDEN_V6`).
fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = v6.segments();
    let o = v6.octets();
    let tail = Ipv4Addr::new(o[12], o[13], o[14], o[15]);
    match s {
        [0, 0, 0, 0, 0, 0xffff, _, _] => Some(tail),
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
        WebhookUrl::parse(text, &UrlPolicy::STRICT)
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
            "https://[::2]/",
            "https://[::8.8.8.8]/",
            "https://[::ffff:0:127.0.0.1]/",
            "https://[::ffff:0:7f00:1]/",
            "https://[::ffff:0:8.8.8.8]/",
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
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_LEN));
        assert!(matches!(strict(&long), Err(UrlError::Invalid(_))));
    }

    #[test]
    fn the_development_switch_allows_http_and_loopback() {
        assert!(WebhookUrl::parse("http://127.0.0.1:9/x", &UrlPolicy::DEVELOPMENT).is_ok());
        assert!(WebhookUrl::parse("https://user@example.com/", &UrlPolicy::DEVELOPMENT).is_err());
    }

    #[test]
    fn zone_ids_are_refused() {
        for bad in [
            "https://[fe80::1%25eth0]/",
            "https://[fe80::1%eth0]:8443/x",
            "https://[::1%251]/",
        ] {
            assert!(refused(bad), "{bad} should be refused");
        }
    }

    #[test]
    fn the_allow_list_opens_listed_networks_and_names_but_not_http() {
        let policy = UrlPolicy {
            development: false,
            allow: AllowList::parse(" 10.1.0.0/16, 192.168.7.7 ,Hooks.Internal.Example.").unwrap(),
        };
        let parse = |t: &str| WebhookUrl::parse(t, &policy);
        assert!(parse("https://10.1.2.3/").is_ok());
        assert!(parse("https://[::ffff:10.1.2.3]/").is_ok());
        assert!(parse("https://192.168.7.7/").is_ok());
        assert!(parse("https://hooks.internal.example/").is_ok());
        assert!(matches!(
            parse("https://10.2.0.1/"),
            Err(UrlError::NotAllowed(_))
        ));
        assert!(matches!(
            parse("https://192.168.7.8/"),
            Err(UrlError::NotAllowed(_))
        ));
        assert!(matches!(
            parse("http://10.1.2.3/"),
            Err(UrlError::NotAllowed(_))
        ));
        let ten = "10.1.9.9".parse().unwrap();
        let private = "10.9.9.9".parse().unwrap();
        assert!(policy.check_resolved("x.example", &[ten]).is_ok());
        assert!(policy.check_resolved("x.example", &[ten, private]).is_err());
        assert!(
            policy
                .check_resolved("hooks.internal.example", &[private])
                .is_ok()
        );
        assert!(policy.check_resolved("x.example", &[]).is_err());
        assert!(AllowList::parse("10.0.0.0/8,not a host").is_err());
        assert!(AllowList::parse("").unwrap().is_empty());
    }

    #[test]
    fn resolved_private_addresses_are_refused_under_the_strict_policy() {
        let public: IpAddr = "93.184.215.14".parse().unwrap();
        for bad in [
            "127.0.0.1",
            "10.0.0.5",
            "169.254.169.254",
            "::1",
            "fd00:ec2::254",
            "::ffff:127.0.0.1",
        ] {
            let ip: IpAddr = bad.parse().unwrap();
            assert!(
                UrlPolicy::STRICT
                    .check_resolved("evil.example", &[ip])
                    .is_err(),
                "{bad}"
            );
            assert!(
                UrlPolicy::STRICT
                    .check_resolved("evil.example", &[public, ip])
                    .is_err(),
                "{bad}"
            );
        }
        assert!(
            UrlPolicy::STRICT
                .check_resolved("good.example", &[public])
                .is_ok()
        );
    }

    /// Every way the URL parser (and so a client) accepts of writing the IPv4 address `ip`.
    fn v4_spellings(ip: u32) -> Vec<String> {
        let [a, b, c, d] = ip.to_be_bytes();
        let low24 = ip & 0x00ff_ffff;
        let low16 = ip & 0xffff;
        vec![
            format!("{a}.{b}.{c}.{d}"),
            format!("{a}.{b}.{c}.{d}."),
            ip.to_string(),
            format!("0x{ip:x}"),
            format!("0X{ip:X}"),
            format!("0{:o}.0{:o}.0{:o}.0{:o}", a, b, c, d),
            format!("0x{a:x}.{b}.0{c:o}.0x{d:02x}"),
            format!("{a}.{low24}"),
            format!("{a}.{b}.{low16}"),
            format!("0x{a:x}.0x{low24:x}"),
        ]
    }

    /// The IPv6 forms that carry the same IPv4 address.
    fn v6_spellings(ip: u32) -> Vec<String> {
        let [a, b, c, d] = ip.to_be_bytes();
        let (hi, lo) = (ip >> 16, ip & 0xffff);
        let mut forms = vec![
            format!("[::ffff:{a}.{b}.{c}.{d}]"),
            format!("[::ffff:{hi:x}:{lo:x}]"),
            format!("[0:0:0:0:0:FFFF:{hi:X}:{lo:X}]"),
            format!("[64:ff9b::{a}.{b}.{c}.{d}]"),
            format!("[2002:{hi:x}:{lo:x}::1]"),
            format!("[::ffff:0:{a}.{b}.{c}.{d}]"),
            format!("[::ffff:0:{hi:x}:{lo:x}]"),
            format!("[::{hi:x}:{lo:x}]"),
        ];
        if hi != 0 {
            forms.push(format!("[::{a}.{b}.{c}.{d}]"));
        }
        forms
    }

    proptest! {
        #[test]
        fn every_spelling_of_a_non_public_v4_address_is_refused(
            net in prop::sample::select(vec![
                "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                "169.254.0.0/16", "100.64.0.0/10", "0.0.0.0/8", "224.0.0.0/4", "240.0.0.0/4",
            ]),
            low in any::<u32>(),
            port in prop::option::of(1u16..),
        ) {
            let net: Ipv4Net = net.parse().unwrap();
            let ip = u32::from(net.network()) | (low & u32::from(net.hostmask()));
            let port = port.map(|p| format!(":{p}")).unwrap_or_default();
            for host in v4_spellings(ip).into_iter().chain(v6_spellings(ip)) {
                let url = format!("https://{host}{port}/hook");
                prop_assert!(refused(&url), "{} should be refused", url);
            }
        }

        #[test]
        fn every_non_public_v6_address_is_refused(
            net in prop::sample::select(vec![
                "::1/128", "fc00::/7", "fe80::/10", "ff00::/8", "fec0::/10", "2001:db8::/32",
                "::/96", "::ffff:0:0:0/96",
            ]),
            low in any::<u128>(),
        ) {
            let net: Ipv6Net = net.parse().unwrap();
            let ip = Ipv6Addr::from(u128::from(net.network()) | (low & u128::from(net.hostmask())));
            let url = format!("https://[{ip}]/");
            prop_assert!(refused(&url), "{} should be refused", url);
            prop_assert!(UrlPolicy::STRICT.check_resolved("x.example", &[IpAddr::V6(ip)]).is_err());
        }

        #[test]
        fn public_addresses_pass_in_any_spelling(
            ip in any::<u32>().prop_filter("public", |ip| !is_forbidden(IpAddr::V4(Ipv4Addr::from(*ip)))),
        ) {
            for host in v4_spellings(ip) {
                let url = format!("https://{host}/");
                prop_assert!(strict(&url).is_ok(), "{} should pass", url);
            }
        }
    }
}
