//! Name resolution for deliveries, with the guard in the path: every address a name resolves
//! to is vetted, and the connector is handed only those addresses, so it never looks the
//! name up a second time (an attacker's DNS cannot answer a public address to the check and a
//! private one to the connection).

use super::UrlPolicy;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// Why an attempt was refused before any connection was made.
#[derive(Debug, thiserror::Error)]
#[error("refused: {0}")]
pub struct Refused(pub String);

/// Fixed answers for names, like curl's `--resolve` (the local server's `--resolve` flag).
/// They are vetted like any other answer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DnsOverrides(HashMap<String, Vec<IpAddr>>);

impl DnsOverrides {
    /// Adds `host=address`; a host given twice answers every address it was given.
    pub fn add(&mut self, entry: &str) -> Result<(), String> {
        let (host, ip) = entry
            .split_once('=')
            .ok_or_else(|| format!("{entry:?} is not host=address"))?;
        let ip: IpAddr = ip
            .trim()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse()
            .map_err(|_| format!("{entry:?}: {ip:?} is not an IP address"))?;
        self.0
            .entry(super::normalize_name(host.trim()))
            .or_default()
            .push(ip);
        Ok(())
    }

    fn get(&self, host: &str) -> Option<&Vec<IpAddr>> {
        self.0.get(host)
    }
}

/// The delivery client's resolver: overrides, else the system resolver, then the policy.
#[derive(Clone, Debug)]
pub struct GuardedResolver {
    policy: Arc<UrlPolicy>,
    overrides: Arc<DnsOverrides>,
}

impl GuardedResolver {
    pub fn new(policy: Arc<UrlPolicy>, overrides: Arc<DnsOverrides>) -> Self {
        Self { policy, overrides }
    }

    /// The vetted addresses of `host`, or why none may be used.
    pub async fn lookup(&self, host: &str) -> Result<Vec<IpAddr>, LookupError> {
        let host = super::normalize_name(host);
        let addrs = match self.overrides.get(&host) {
            Some(addrs) => addrs.clone(),
            None => tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map_err(|e| LookupError::Failed(format!("could not resolve {host}: {e}")))?
                .map(|a| a.ip())
                .collect(),
        };
        self.policy
            .check_resolved(&host, &addrs)
            .map_err(|why| LookupError::Refused(Refused(why)))?;
        Ok(addrs)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    #[error("{0}")]
    Failed(String),
    #[error(transparent)]
    Refused(Refused),
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let resolver = self.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs = match resolver.lookup(&host).await {
                Ok(addrs) => addrs,
                // The refusal travels as itself, so the attempt can say it was refused.
                Err(LookupError::Refused(refused)) => return Err(Box::new(refused) as _),
                Err(failed) => return Err(Box::new(failed) as _),
            };
            // Port 0: the connector puts in the URL's port.
            let addrs: Addrs = Box::new(addrs.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::url_guard::AllowList;

    fn resolver(policy: UrlPolicy, entries: &[&str]) -> GuardedResolver {
        let mut overrides = DnsOverrides::default();
        for e in entries {
            overrides.add(e).unwrap();
        }
        GuardedResolver::new(Arc::new(policy), Arc::new(overrides))
    }

    #[tokio::test]
    async fn a_name_answering_a_private_address_is_refused() {
        let r = resolver(
            UrlPolicy::STRICT,
            &[
                "rebind.example=10.0.0.7",
                "meta.example=169.254.169.254",
                "mixed.example=93.184.215.14",
                "mixed.example=::1",
                "good.example=93.184.215.14",
            ],
        );
        for name in [
            "rebind.example",
            "REBIND.example.",
            "meta.example",
            "mixed.example",
        ] {
            assert!(
                matches!(r.lookup(name).await, Err(LookupError::Refused(_))),
                "{name}"
            );
        }
        assert_eq!(
            r.lookup("good.example").await.unwrap(),
            vec!["93.184.215.14".parse::<IpAddr>().unwrap()]
        );
    }

    #[tokio::test]
    async fn the_allow_list_and_the_development_switch_let_private_answers_through() {
        let listed = UrlPolicy {
            development: false,
            allow: AllowList::parse("10.0.0.0/8,internal.example").unwrap(),
        };
        let r = resolver(
            listed,
            &[
                "rebind.example=10.0.0.7",
                "internal.example=192.168.1.1",
                "other.example=192.168.1.1",
            ],
        );
        assert!(r.lookup("rebind.example").await.is_ok());
        assert!(r.lookup("internal.example").await.is_ok());
        assert!(matches!(
            r.lookup("other.example").await,
            Err(LookupError::Refused(_))
        ));
        let dev = resolver(UrlPolicy::DEVELOPMENT, &["rebind.example=127.0.0.1"]);
        assert!(dev.lookup("rebind.example").await.is_ok());
    }

    #[tokio::test]
    async fn localhost_through_the_system_resolver_is_refused() {
        let r = resolver(UrlPolicy::STRICT, &[]);
        assert!(matches!(
            r.lookup("localhost").await,
            Err(LookupError::Refused(_))
        ));
    }

    #[test]
    fn overrides_need_a_host_and_an_address() {
        let mut o = DnsOverrides::default();
        assert!(o.add("a.example=10.0.0.1").is_ok());
        assert!(o.add("b.example=[::1]").is_ok());
        assert!(o.add("a.example").is_err());
        assert!(o.add("a.example=nope").is_err());
    }
}
