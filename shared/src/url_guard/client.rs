//! The HTTP client that webhook requests (deliveries, pings, verifications) go out on: it
//! connects only to addresses the URL policy allows.

use super::resolve::{DnsOverrides, GuardedResolver, LookupError, Refused};
use super::{UrlPolicy, WebhookUrl};
use std::sync::Arc;
use std::time::Duration;

/// The HTTP client deliveries go out on, and the URL policy every attempt is held to.
#[derive(Clone, Debug)]
pub struct DeliveryClient {
    pub(crate) http: reqwest::Client,
    pub(crate) policy: Arc<UrlPolicy>,
    resolver: GuardedResolver,
}

impl DeliveryClient {
    /// Redirects are never followed (a receiver must not point a signed delivery somewhere
    /// else); names resolve through the guard; no proxy, since a proxy would resolve names
    /// where the guard cannot see them. A client that cannot be built so fails the cold
    /// start: reqwest's default client would follow redirects, honour proxy variables and
    /// skip the guard.
    pub fn new(
        policy: UrlPolicy,
        dns_overrides: DnsOverrides,
        timeout: Duration,
    ) -> Result<Self, reqwest::Error> {
        let policy = Arc::new(policy);
        let resolver = GuardedResolver::new(policy.clone(), Arc::new(dns_overrides));
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(resolver.clone())
            .timeout(timeout)
            .connect_timeout(timeout)
            .pool_idle_timeout(Duration::from_secs(60))
            .user_agent(concat!("Hookline/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            http,
            policy,
            resolver,
        })
    }

    /// Refuses a URL whose name already resolves to an address the rules forbid, so such a
    /// webhook is refused at registration and not only at its first attempt. A name that
    /// does not resolve (yet), or not quickly, passes: every attempt resolves and checks again.
    pub async fn screen(&self, url: &WebhookUrl) -> Result<(), String> {
        let Some(url::Host::Domain(name)) = url.url().host() else {
            return Ok(());
        };
        if self.policy.development {
            return Ok(());
        }
        match tokio::time::timeout(SCREEN_TIMEOUT, self.resolver.lookup(name)).await {
            Ok(Err(LookupError::Refused(Refused(why)))) => Err(why),
            _ => Ok(()),
        }
    }
}

/// How long registration waits for a name to resolve before letting it through.
const SCREEN_TIMEOUT: Duration = Duration::from_secs(2);
