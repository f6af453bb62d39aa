//! The customer portal's page and assets, built into the binary: nothing is fetched from
//! elsewhere at run time. Served without a key (the page holds no data; it calls the API
//! with the session token from its URL fragment) under a strict Content-Security-Policy: no
//! inline script or style, connections to this origin only, and framing only by the sites
//! the deployment names (`frame-ancestors`, none by default).

use bytes::Bytes;
use http::{Response, StatusCode, header};

/// The page's paths, as the template and the watch router spell them; the `portal` Lambda
/// serves them, with no authorizer.
pub const PATHS: [&str; 2] = ["/portal", "/portal/{asset}"];
/// The Lambda (crate, binary) serving them.
pub const FUNCTION: &str = "portal";

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: [Asset; 3] = [
    Asset {
        name: "index.html",
        content_type: "text/html; charset=utf-8",
        body: include_bytes!("../portal/index.html"),
    },
    Asset {
        name: "portal.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../portal/portal.js"),
    },
    Asset {
        name: "portal.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../portal/portal.css"),
    },
];

/// Which sites may frame the page: `'none'`, `'self'` or origins (`https://app.example`),
/// space-separated, as the deployment setting gives them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameAncestors(String);

impl Default for FrameAncestors {
    fn default() -> Self {
        Self("'none'".into())
    }
}

impl FrameAncestors {
    /// Refuses anything but `'none'`, `'self'` and http(s) origins, so that a setting cannot
    /// add a directive to the policy.
    pub fn parse(text: &str) -> Result<Self, String> {
        let sources: Vec<&str> = text.split_whitespace().collect();
        if sources.is_empty() {
            return Ok(Self::default());
        }
        for source in &sources {
            let origin = source
                .strip_prefix("https://")
                .or_else(|| source.strip_prefix("http://"));
            let ok = match origin {
                Some(host) => {
                    !host.is_empty()
                        && host.chars().all(|c| {
                            c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '*')
                        })
                }
                None => matches!(*source, "'self'" | "'none'"),
            };
            if !ok {
                return Err(format!(
                    "{source:?} is not 'self', 'none' or an origin such as https://app.example"
                ));
            }
        }
        if sources.len() > 1 && sources.contains(&"'none'") {
            return Err("'none' cannot be combined with other sources".into());
        }
        Ok(Self(sources.join(" ")))
    }
}

/// Where the API and the portal are reached from outside, as the deployment says
/// (`HOOKLINE_PUBLIC_BASE_URL`): a session's `url` is built on it, never on what a request
/// says of itself (its `Host` or `X-Forwarded-Proto` can be forged).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicBaseUrl(String);

impl PublicBaseUrl {
    /// An http(s) URL with a host, and at most a path (no query, fragment or credentials);
    /// kept without its trailing `/`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let refused =
            || format!("expected an http(s) URL such as https://hooks.example.com, got {text:?}");
        let url = url::Url::parse(text.trim()).map_err(|_| refused())?;
        let plain = matches!(url.scheme(), "http" | "https")
            && url.host_str().is_some_and(|h| !h.is_empty())
            && url.query().is_none()
            && url.fragment().is_none()
            && url.username().is_empty()
            && url.password().is_none();
        if !plain {
            return Err(refused());
        }
        Ok(Self(url.as_str().trim_end_matches('/').to_owned()))
    }

    /// The local server's: where it listens (a wildcard address as the loopback one).
    pub fn listening_on(addr: std::net::SocketAddr) -> Self {
        let ip = match addr.ip() {
            std::net::IpAddr::V4(ip) if ip.is_unspecified() => std::net::Ipv4Addr::LOCALHOST.into(),
            std::net::IpAddr::V6(ip) if ip.is_unspecified() => std::net::Ipv6Addr::LOCALHOST.into(),
            ip => ip,
        };
        Self(format!(
            "http://{}",
            std::net::SocketAddr::new(ip, addr.port())
        ))
    }

    /// API Gateway's: the domain name in the request context (API Gateway sets it, the
    /// client cannot), over https.
    pub fn gateway_domain(domain: &str) -> Option<Self> {
        Self::parse(&format!("https://{}", domain.trim())).ok()
    }

    /// The page with `token` in its fragment (so the token never reaches a server log).
    pub fn session_url(&self, token: &str) -> String {
        format!("{}/portal#token={token}", self.0)
    }
}

/// The answer for `path` (`/portal` or `/portal/<asset>`), or `None` when it is none of
/// the page's.
pub fn serve(path: &str, frame_ancestors: &FrameAncestors) -> Option<Response<Bytes>> {
    let name = match path.strip_prefix("/portal") {
        Some("" | "/") => "index.html",
        Some(rest) => rest.strip_prefix('/')?,
        None => return None,
    };
    let asset = ASSETS.iter().find(|a| a.name == name)?;
    let policy = format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
         img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors {}",
        frame_ancestors.0
    );
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, asset.content_type)
        .header(header::CONTENT_SECURITY_POLICY, policy)
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::REFERRER_POLICY, "no-referrer")
        // The page is small and changes with each release: always asked again.
        .header(header::CACHE_CONTROL, "no-cache")
        .body(Bytes::from_static(asset.body))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serves_the_page_and_its_assets_under_the_policy() {
        let none = FrameAncestors::default();
        for (path, kind) in [
            ("/portal", "text/html"),
            ("/portal/", "text/html"),
            ("/portal/portal.js", "text/javascript"),
            ("/portal/portal.css", "text/css"),
        ] {
            let response = serve(path, &none).unwrap();
            let headers = response.headers();
            assert!(
                headers[header::CONTENT_TYPE]
                    .to_str()
                    .unwrap()
                    .starts_with(kind)
            );
            let policy = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
            assert!(policy.contains("script-src 'self';"), "{policy}");
            assert!(policy.ends_with("frame-ancestors 'none'"), "{policy}");
        }
        assert!(serve("/portal/../Cargo.toml", &none).is_none());
        assert!(serve("/portal/nope.js", &none).is_none());
        assert!(serve("/portalx", &none).is_none());
    }

    #[test]
    fn the_page_has_no_inline_script_style_or_handler() {
        let html = std::str::from_utf8(ASSETS[0].body).unwrap();
        assert!(!html.contains("<script>"), "every script has a src");
        assert!(!html.contains("style="));
        assert!(!html.contains("<style"));
        assert!(!html.contains(" on"), "no inline event handler attribute");
        // No request for /favicon.ico, and so no 404 in the console on every load.
        assert!(html.contains(r#"<link rel="icon" href="data:,">"#));
        let css = std::str::from_utf8(ASSETS[2].body).unwrap();
        assert!(
            css.contains("table.list tr"),
            "the list becomes cards on narrow screens"
        );
        let js = std::str::from_utf8(ASSETS[1].body).unwrap();
        assert!(!js.contains("innerHTML") && !js.contains("outerHTML"));
        assert!(!js.contains("localStorage") && !js.contains("document.cookie"));
    }

    #[test]
    fn a_public_base_url_is_a_plain_http_url() {
        let base = PublicBaseUrl::parse("https://hooks.example.com/api/").unwrap();
        assert_eq!(
            base.session_url("t"),
            "https://hooks.example.com/api/portal#token=t"
        );
        for bad in [
            "hooks.example.com",
            "ftp://hooks.example.com",
            "https://hooks.example.com/?a=b",
            "https://hooks.example.com/#x",
            "https://user:pw@hooks.example.com",
        ] {
            assert!(PublicBaseUrl::parse(bad).is_err(), "{bad}");
        }
        let any = "0.0.0.0:3000".parse().unwrap();
        assert_eq!(
            PublicBaseUrl::listening_on(any).session_url("t"),
            "http://127.0.0.1:3000/portal#token=t"
        );
        assert_eq!(
            PublicBaseUrl::gateway_domain("abc.execute-api.eu-west-1.amazonaws.com")
                .unwrap()
                .session_url("t"),
            "https://abc.execute-api.eu-west-1.amazonaws.com/portal#token=t"
        );
        assert!(PublicBaseUrl::gateway_domain("evil.example/x#").is_none());
    }

    #[test]
    fn frame_ancestors_are_sources_only() {
        assert_eq!(
            FrameAncestors::parse("https://app.example 'self'").unwrap(),
            FrameAncestors("https://app.example 'self'".into())
        );
        assert_eq!(
            FrameAncestors::parse("").unwrap(),
            FrameAncestors::default()
        );
        for bad in [
            "https://a.example; script-src *",
            "*",
            "'unsafe-inline'",
            "'none' https://a.example",
            "javascript:x",
        ] {
            assert!(FrameAncestors::parse(bad).is_err(), "{bad}");
        }
    }
}
