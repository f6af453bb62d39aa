//! The keys banner: the development keys made at start, printed once, as the contract says
//! (it is the only way to learn them).

use crate::LocalKey;
use hookline::domain::KeyOwner;
use std::net::SocketAddr;

/// The banner of the keys made at start, with a curl line for each; `None` when every key
/// was given. One text, so that it is written in one piece: no log line lands inside it.
pub fn keys_banner(keys: &[LocalKey], addr: SocketAddr) -> Option<String> {
    let mut banner = String::new();
    for key in keys.iter().filter(|k| k.generated) {
        let (what, header) = match &key.owner {
            KeyOwner::Tenant(tenant) => (format!("dev API key (tenant {tenant}, all scopes)"), ""),
            KeyOwner::Operator => (
                "dev operator key (any tenant, named in Hookline-Tenant)".to_owned(),
                " -H 'Hookline-Tenant: dev'",
            ),
        };
        let key = key.key.expose();
        banner.push_str(&format!(
            "\n  {what}:\n\n    {key}\n\n  try: curl -H 'Authorization: Bearer {key}'{header} http://{addr}/v1/webhooks\n"
        ));
    }
    (!banner.is_empty()).then_some(banner)
}

/// Writes the banner to stderr in one write.
pub fn print_keys_banner(keys: &[LocalKey], addr: SocketAddr) -> std::io::Result<()> {
    use std::io::Write;
    match keys_banner(keys, addr) {
        Some(banner) => std::io::stderr().lock().write_all(banner.as_bytes()),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hookline::domain::{ApiKey, Scopes, TenantId};

    fn key(owner: KeyOwner, generated: bool) -> LocalKey {
        LocalKey {
            key: ApiKey::generate(),
            owner,
            scopes: Scopes::all_tenant(),
            generated,
        }
    }

    #[test]
    fn the_banner_holds_every_generated_key_and_no_given_one() {
        let dev = key(KeyOwner::Tenant(TenantId::parse("dev").unwrap()), true);
        let operator = key(KeyOwner::Operator, true);
        let given = key(KeyOwner::Operator, false);
        let addr = "127.0.0.1:3000".parse().unwrap();
        let keys = [dev.clone(), operator.clone(), given.clone()];
        let banner = keys_banner(&keys, addr).unwrap();
        assert!(banner.contains(dev.key.expose()));
        assert!(banner.contains(operator.key.expose()));
        assert!(!banner.contains(given.key.expose()));
        assert!(banner.contains("http://127.0.0.1:3000/v1/webhooks"));
        assert_eq!(keys_banner(&[given], addr), None);
    }
}
