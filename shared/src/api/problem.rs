//! Every error the API answers, as one closed enum mapped exhaustively to its code, status
//! and English and Japanese text: a new error cannot ship without both. Written as
//! `application/problem+json` (RFC 9457).

use crate::domain::FieldError;
use crate::publish::{MAX_DATA_BYTES, PublishError};
use bytes::Bytes;
use http::{HeaderValue, Method, Response, StatusCode, header};

/// The response language, from `Accept-Language`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    Ja,
}

impl Lang {
    /// Japanese when `ja` has the highest q-value of the languages offered (`en`, `ja`);
    /// English otherwise, and when nothing is said.
    pub fn from_accept_language(header: Option<&str>) -> Lang {
        let Some(header) = header else {
            return Lang::En;
        };
        let mut best: Option<(f32, Lang)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or("");
            let lang = match primary {
                "ja" => Lang::Ja,
                "en" | "*" => Lang::En,
                _ => continue,
            };
            if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
                best = Some((q, lang));
            }
        }
        best.map_or(Lang::En, |(_, lang)| lang)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("unauthenticated")]
    Unauthenticated,
    #[error("forbidden: needs {0}")]
    Forbidden(crate::domain::Scope),
    /// A tenant's key naming another tenant in `Hookline-Tenant`.
    #[error("forbidden: another tenant")]
    OtherTenant,
    /// An operator key on a tenant route without `Hookline-Tenant`.
    #[error("tenant required")]
    TenantRequired,
    /// The body's `tenant` and `Hookline-Tenant` name different tenants.
    #[error("tenant conflict")]
    TenantConflict,
    #[error("key not found")]
    KeyNotFound,
    #[error("event type not found")]
    EventTypeNotFound,
    #[error("event type conflict")]
    EventTypeConflict,
    #[error("no such route")]
    NotFound,
    #[error("webhook not found")]
    WebhookNotFound,
    #[error("execution not found")]
    ExecutionNotFound,
    #[error("event not found")]
    EventNotFound,
    #[error("method not allowed")]
    MethodNotAllowed(Vec<Method>),
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("url not allowed: {0}")]
    UrlNotAllowed(String),
    #[error("endpoint verification failed: {0}")]
    EndpointVerificationFailed(String),
    #[error("ping failed")]
    PingFailed(Box<serde_json::Value>),
    #[error("webhook conflict")]
    WebhookConflict,
    /// The webhook's sealed credentials do not open: what needs them (its secret, a rotation,
    /// a ping, a change) cannot be done; it can still be listed, shown and deleted.
    #[error("credentials unreadable")]
    CredentialsUnreadable,
    #[error("payload too large")]
    PayloadTooLarge(usize),
    /// The request's body did not arrive in time (the local server; API Gateway has its own).
    #[error("request timeout")]
    RequestTimeout,
    /// A publish with the same `Idempotency-Key` is still running.
    #[error("idempotency key in use")]
    IdempotencyKeyInUse,
    /// A recover of the webhook is running: one at a time per webhook.
    #[error("recover in progress")]
    RecoverInProgress,
    /// The tenant is over its publish rate: try again after this many seconds.
    #[error("rate limited")]
    RateLimited(u64),
    /// The tenant already holds this many webhooks whose endpoint was not verified.
    #[error("too many unverified webhooks")]
    TooManyUnverified(u32),
    /// A fault of a dependency; the cause is logged where it happens, never answered.
    #[error("internal error")]
    Internal,
}

/// `Retry-After` of a refusal for too many unverified webhooks.
const UNVERIFIED_RETRY_AFTER: u64 = 60;

/// A problem lists at most this many `errors`; `errors_truncated` counts the rest.
pub const MAX_LISTED_ERRORS: usize = 100;

/// A listed error's message is cut to this many characters: a schema's message quotes the
/// value it refused, which can be most of the event's data.
pub const MAX_ERROR_MESSAGE_CHARS: usize = 1_000;

impl ApiError {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::Validation(vec![FieldError::new(field, message)])
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthenticated => "unauthenticated",
            ApiError::Forbidden(_) | ApiError::OtherTenant => "forbidden",
            ApiError::TenantRequired => "tenant_required",
            ApiError::TenantConflict => "tenant_conflict",
            ApiError::KeyNotFound => "key_not_found",
            ApiError::EventTypeNotFound => "event_type_not_found",
            ApiError::EventTypeConflict => "event_type_conflict",
            ApiError::NotFound => "not_found",
            ApiError::WebhookNotFound => "webhook_not_found",
            ApiError::ExecutionNotFound => "execution_not_found",
            ApiError::EventNotFound => "event_not_found",
            ApiError::MethodNotAllowed(_) => "method_not_allowed",
            ApiError::Validation(_) => "validation_error",
            ApiError::UrlNotAllowed(_) => "url_not_allowed",
            ApiError::EndpointVerificationFailed(_) => "endpoint_verification_failed",
            ApiError::PingFailed(_) => "ping_failed",
            ApiError::WebhookConflict => "webhook_conflict",
            ApiError::CredentialsUnreadable => "credentials_unreadable",
            ApiError::PayloadTooLarge(_) => "payload_too_large",
            ApiError::IdempotencyKeyInUse => "idempotency_key_in_use",
            ApiError::RecoverInProgress => "recover_in_progress",
            ApiError::RateLimited(_) | ApiError::TooManyUnverified(_) => "rate_limited",
            ApiError::RequestTimeout => "request_timeout",
            ApiError::Internal => "internal_error",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthenticated => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) | ApiError::OtherTenant => StatusCode::FORBIDDEN,
            ApiError::TenantRequired | ApiError::TenantConflict => StatusCode::BAD_REQUEST,
            ApiError::NotFound
            | ApiError::KeyNotFound
            | ApiError::EventTypeNotFound
            | ApiError::WebhookNotFound
            | ApiError::ExecutionNotFound
            | ApiError::EventNotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Validation(_)
            | ApiError::UrlNotAllowed(_)
            | ApiError::EndpointVerificationFailed(_)
            | ApiError::PingFailed(_) => StatusCode::BAD_REQUEST,
            ApiError::WebhookConflict
            | ApiError::CredentialsUnreadable
            | ApiError::IdempotencyKeyInUse
            | ApiError::RecoverInProgress
            | ApiError::EventTypeConflict => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            ApiError::RateLimited(_) | ApiError::TooManyUnverified(_) => {
                StatusCode::TOO_MANY_REQUESTS
            }
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn title(&self, lang: Lang) -> &'static str {
        use Lang::{En, Ja};
        match (self, lang) {
            (ApiError::Unauthenticated, En) => "Unauthenticated",
            (ApiError::Unauthenticated, Ja) => "認証されていません",
            (ApiError::Forbidden(_), En) => "Forbidden",
            (ApiError::Forbidden(_), Ja) => "権限がありません",
            (ApiError::OtherTenant, En) => "Forbidden",
            (ApiError::OtherTenant, Ja) => "権限がありません",
            (ApiError::TenantRequired, En) => "Tenant required",
            (ApiError::TenantRequired, Ja) => "テナントの指定が必要です",
            (ApiError::TenantConflict, En) => "Two tenants named",
            (ApiError::TenantConflict, Ja) => "テナントの指定が食い違っています",
            (ApiError::KeyNotFound, En) => "API key not found",
            (ApiError::KeyNotFound, Ja) => "API キーが見つかりません",
            (ApiError::EventTypeNotFound, En) => "Event type not found",
            (ApiError::EventTypeNotFound, Ja) => "イベントタイプが見つかりません",
            (ApiError::EventTypeConflict, En) => "Event type already exists",
            (ApiError::EventTypeConflict, Ja) => "イベントタイプはすでに存在します",
            (ApiError::NotFound, En) => "Not found",
            (ApiError::NotFound, Ja) => "見つかりません",
            (ApiError::WebhookNotFound, En) => "Webhook not found",
            (ApiError::WebhookNotFound, Ja) => "Webhook が見つかりません",
            (ApiError::ExecutionNotFound, En) => "Execution not found",
            (ApiError::ExecutionNotFound, Ja) => "実行記録が見つかりません",
            (ApiError::EventNotFound, En) => "Event not found",
            (ApiError::EventNotFound, Ja) => "イベントが見つかりません",
            (ApiError::MethodNotAllowed(_), En) => "Method not allowed",
            (ApiError::MethodNotAllowed(_), Ja) => "許可されていないメソッドです",
            (ApiError::Validation(_), En) => "Invalid request",
            (ApiError::Validation(_), Ja) => "リクエストが正しくありません",
            (ApiError::UrlNotAllowed(_), En) => "URL not allowed",
            (ApiError::UrlNotAllowed(_), Ja) => "この URL は使用できません",
            (ApiError::EndpointVerificationFailed(_), En) => "Endpoint verification failed",
            (ApiError::EndpointVerificationFailed(_), Ja) => "エンドポイントの検証に失敗しました",
            (ApiError::PingFailed(_), En) => "Ping failed",
            (ApiError::PingFailed(_), Ja) => "Ping に失敗しました",
            (ApiError::WebhookConflict, En) => "Webhook already exists",
            (ApiError::WebhookConflict, Ja) => "Webhook はすでに存在します",
            (ApiError::CredentialsUnreadable, En) => "Webhook credentials cannot be read",
            (ApiError::CredentialsUnreadable, Ja) => "Webhook の認証情報を読み取れません",
            (ApiError::PayloadTooLarge(_), En) => "Payload too large",
            (ApiError::PayloadTooLarge(_), Ja) => "ペイロードが大きすぎます",
            (ApiError::IdempotencyKeyInUse, En) => "Idempotency key in use",
            (ApiError::IdempotencyKeyInUse, Ja) => "冪等キーは使用中です",
            (ApiError::RecoverInProgress, En) => "Recover in progress",
            (ApiError::RecoverInProgress, Ja) => "リカバリーを実行中です",
            (ApiError::RateLimited(_), En) => "Rate limited",
            (ApiError::RateLimited(_), Ja) => "レート制限中です",
            (ApiError::TooManyUnverified(_), En) => "Too many unverified webhooks",
            (ApiError::TooManyUnverified(_), Ja) => "未検証の Webhook が多すぎます",
            (ApiError::RequestTimeout, En) => "Request timeout",
            (ApiError::RequestTimeout, Ja) => "リクエストがタイムアウトしました",
            (ApiError::Internal, En) => "Internal error",
            (ApiError::Internal, Ja) => "内部エラー",
        }
    }

    pub fn detail(&self, lang: Lang) -> String {
        use Lang::{En, Ja};
        match (self, lang) {
            (ApiError::Unauthenticated, En) => "Send a valid API key as `Authorization: Bearer <key>`.".into(),
            (ApiError::Unauthenticated, Ja) => "有効な API キーを `Authorization: Bearer <key>` で送ってください。".into(),
            (ApiError::Forbidden(scope), En) => format!("This API key lacks the scope {scope}."),
            (ApiError::Forbidden(scope), Ja) => format!("この API キーにはスコープ {scope} がありません。"),
            (ApiError::OtherTenant, En) => "This API key belongs to another tenant than the one `Hookline-Tenant` names.".into(),
            (ApiError::OtherTenant, Ja) => "この API キーは `Hookline-Tenant` で指定されたテナントのものではありません。".into(),
            (ApiError::TenantRequired, En) => "An operator key must name the tenant it acts for in the `Hookline-Tenant` header (or, for a portal session, in the body's `tenant`).".into(),
            (ApiError::TenantRequired, Ja) => "オペレーターキーでは、操作するテナントを `Hookline-Tenant` ヘッダー (ポータルセッションではボディの `tenant` でも可) で指定してください。".into(),
            (ApiError::TenantConflict, En) => "The body's `tenant` and the `Hookline-Tenant` header name different tenants; name one, or the same in both.".into(),
            (ApiError::TenantConflict, Ja) => "ボディの `tenant` と `Hookline-Tenant` ヘッダーが別々のテナントを指定しています。どちらか一方で指定するか、両方に同じテナントを指定してください。".into(),
            (ApiError::KeyNotFound, En) => "This tenant has no API key with this id.".into(),
            (ApiError::KeyNotFound, Ja) => "このテナントにこの ID の API キーはありません。".into(),
            (ApiError::EventTypeNotFound, En) => "The event-type catalog has no event type of this name.".into(),
            (ApiError::EventTypeNotFound, Ja) => "イベントタイプのカタログにこの名前のイベントタイプはありません。".into(),
            (ApiError::EventTypeConflict, En) => "The catalog already has an event type of this name.".into(),
            (ApiError::EventTypeConflict, Ja) => "カタログにはこの名前のイベントタイプがすでにあります。".into(),
            (ApiError::NotFound, En) => "No route matches this path.".into(),
            (ApiError::NotFound, Ja) => "このパスに一致するルートはありません。".into(),
            (ApiError::WebhookNotFound, En) => "No webhook with this id exists.".into(),
            (ApiError::WebhookNotFound, Ja) => "この ID の Webhook は存在しません。".into(),
            (ApiError::ExecutionNotFound, En) => "No execution with this id exists for this webhook.".into(),
            (ApiError::ExecutionNotFound, Ja) => "この Webhook にこの ID の実行記録は存在しません。".into(),
            (ApiError::EventNotFound, En) => "No event with this id exists.".into(),
            (ApiError::EventNotFound, Ja) => "この ID のイベントは存在しません。".into(),
            (ApiError::MethodNotAllowed(allow), En) => format!("This path accepts {}.", join(allow)),
            (ApiError::MethodNotAllowed(allow), Ja) => format!("このパスで使えるメソッドは {} です。", join(allow)),
            (ApiError::Validation(_), En) => "Some fields are invalid; see `errors`.".into(),
            (ApiError::Validation(_), Ja) => "一部の項目が正しくありません。`errors` を参照してください。".into(),
            (ApiError::UrlNotAllowed(why), En) => format!("The webhook URL is not allowed: {why}."),
            (ApiError::UrlNotAllowed(why), Ja) => format!("この Webhook URL は使用できません: {why}"),
            (ApiError::EndpointVerificationFailed(why), En) => format!("The endpoint did not accept the verification ping: {why}."),
            (ApiError::EndpointVerificationFailed(why), Ja) => format!("エンドポイントが検証用の ping を受け付けませんでした: {why}"),
            (ApiError::PingFailed(_), En) => "The endpoint did not answer the ping with a 2xx; see `execution`.".into(),
            (ApiError::PingFailed(_), Ja) => "エンドポイントが ping に 2xx で応答しませんでした。`execution` を参照してください。".into(),
            (ApiError::WebhookConflict, En) => "A webhook for this URL, set of event types and filters already exists.".into(),
            (ApiError::WebhookConflict, Ja) => "同じ URL・イベントタイプ・フィルターの組み合わせの Webhook がすでに存在します。".into(),
            (ApiError::CredentialsUnreadable, En) => "This webhook's sealed signing secret and custom headers do not open (altered, copied from another webhook, or sealed under another key), so nothing that needs them can be done and its deliveries fail unsent. Restore the key they were sealed with, or delete the webhook and create it again.".into(),
            (ApiError::CredentialsUnreadable, Ja) => "この Webhook の暗号化された署名シークレットとカスタムヘッダーを復号できません (改ざん、別の Webhook からのコピー、または別の鍵での暗号化)。そのため、それらを必要とする操作はできず、配信は送信されずに失敗します。暗号化に使った鍵を戻すか、Webhook を削除して作り直してください。".into(),
            (ApiError::PayloadTooLarge(limit), En) => format!("The request body exceeds {limit} bytes."),
            (ApiError::PayloadTooLarge(limit), Ja) => format!("リクエストボディが {limit} バイトを超えています。"),
            (ApiError::IdempotencyKeyInUse, En) => "A publish with this Idempotency-Key is still being processed; send it again in a moment to get its answer.".into(),
            (ApiError::IdempotencyKeyInUse, Ja) => "この Idempotency-Key の公開はまだ処理中です。少し待ってから再送すると、その応答が返ります。".into(),
            (ApiError::RecoverInProgress, En) => "A recover of this webhook is still queueing its failed deliveries; nothing was queued. Ask again once it is done.".into(),
            (ApiError::RecoverInProgress, Ja) => "この Webhook のリカバリーが、失敗した配信をまだキューに入れています。何もキューに入れていません。終わってから、もう一度依頼してください。".into(),
            (ApiError::RateLimited(after), En) => format!("This tenant is publishing faster than its quota allows; nothing was stored. Try again in {after} s (Retry-After)."),
            (ApiError::TooManyUnverified(max), En) => format!("This tenant already holds {max} webhooks whose endpoint was not verified (\"verify\": false), its quota; nothing was stored. Verify one (update it with \"verify\": true) or delete one first."),
            (ApiError::TooManyUnverified(max), Ja) => format!("このテナントには、エンドポイントが検証されていない (\"verify\": false) Webhook がすでにクォータの {max} 件あります。何も保存されていません。先にいずれかを検証する (\"verify\": true で更新する) か、削除してください。"),
            (ApiError::RateLimited(after), Ja) => format!("このテナントの公開がクォータを超えています。何も保存されていません。{after} 秒後に再試行してください (Retry-After)。"),
            (ApiError::RequestTimeout, En) => "The request body did not arrive in time.".into(),
            (ApiError::RequestTimeout, Ja) => "リクエストボディが時間内に届きませんでした。".into(),
            (ApiError::Internal, En) => "Something went wrong on our side; try again later.".into(),
            (ApiError::Internal, Ja) => "サーバー側で問題が発生しました。しばらくしてから再試行してください。".into(),
        }
    }

    /// The `application/problem+json` response in `lang`.
    pub fn into_response(self, lang: Lang) -> Response<Bytes> {
        let status = self.status();
        let mut body = serde_json::Map::new();
        body.insert("type".into(), self.code().into());
        body.insert("title".into(), self.title(lang).into());
        body.insert("status".into(), status.as_u16().into());
        body.insert("detail".into(), self.detail(lang).into());
        match &self {
            ApiError::Validation(errors) => {
                body.insert("errors".into(), listed_errors(errors));
                let more = errors.len().saturating_sub(MAX_LISTED_ERRORS);
                if more > 0 {
                    body.insert("errors_truncated".into(), more.into());
                }
            }
            ApiError::PingFailed(execution) => {
                body.insert("execution".into(), (**execution).clone());
            }
            _ => {}
        }
        let body = serde_json::Value::Object(body).to_string();
        let mut response = Response::new(Bytes::from(body));
        *response.status_mut() = status;
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        headers.insert(
            header::CONTENT_LANGUAGE,
            HeaderValue::from_static(match lang {
                Lang::En => "en",
                Lang::Ja => "ja",
            }),
        );
        if let ApiError::MethodNotAllowed(allow) = &self
            && let Ok(value) = HeaderValue::from_str(&join(allow))
        {
            headers.insert(header::ALLOW, value);
        }
        match &self {
            ApiError::RateLimited(after) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*after));
            }
            // A count, not a rate: waiting alone frees nothing, so ask for a minute.
            ApiError::TooManyUnverified(_) => {
                headers.insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(UNVERIFIED_RETRY_AFTER),
                );
            }
            _ => {}
        }
        response
    }
}

/// The first `MAX_LISTED_ERRORS` errors, each message cut to `MAX_ERROR_MESSAGE_CHARS`: a
/// publish can fail its schema once per array element, and each answer stays small.
fn listed_errors(errors: &[FieldError]) -> serde_json::Value {
    let listed: Vec<FieldError> = errors
        .iter()
        .take(MAX_LISTED_ERRORS)
        .map(|e| {
            if e.message.chars().count() <= MAX_ERROR_MESSAGE_CHARS {
                return e.clone();
            }
            let kept: String = e.message.chars().take(MAX_ERROR_MESSAGE_CHARS).collect();
            FieldError::new(e.field.clone(), format!("{kept}…"))
        })
        .collect();
    serde_json::json!(listed)
}

fn join(methods: &[Method]) -> String {
    methods
        .iter()
        .map(Method::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

impl From<FieldError> for ApiError {
    /// A body that is not a JSON object (`Body::parse`), or one wrong field.
    fn from(error: FieldError) -> Self {
        ApiError::Validation(vec![error])
    }
}

impl From<PublishError> for ApiError {
    /// How a publish's failure is answered; a publish's problems are these and no others.
    fn from(error: PublishError) -> Self {
        match error {
            PublishError::Invalid(errors) => ApiError::Validation(errors),
            PublishError::DataTooLarge => ApiError::PayloadTooLarge(MAX_DATA_BYTES),
            PublishError::RateLimited { retry_after } => ApiError::RateLimited(retry_after),
            PublishError::KeyInFlight => ApiError::IdempotencyKeyInUse,
            PublishError::Internal => ApiError::Internal,
        }
    }
}

impl From<crate::store::StoreError> for ApiError {
    /// Only reached for faults: handlers match `Conflict`, `Stale` and `LimitReached` first.
    fn from(error: crate::store::StoreError) -> Self {
        tracing::error!(error.cause_chain = ?crate::telemetry::error_chain(&error), "store failed");
        ApiError::Internal
    }
}

impl From<crate::seal::SealError> for ApiError {
    /// A webhook's secrets could not be opened or sealed: the key service failed (logged
    /// here), or they do not open (logged with the webhook's id where they were opened).
    fn from(error: crate::seal::SealError) -> Self {
        match error {
            crate::seal::SealError::Corrupt => ApiError::CredentialsUnreadable,
            crate::seal::SealError::KeyService(_) => {
                tracing::error!(%error, "sealing failed");
                ApiError::Internal
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japanese_wins_only_with_the_highest_q_value() {
        assert_eq!(Lang::from_accept_language(Some("ja")), Lang::Ja);
        assert_eq!(Lang::from_accept_language(Some("ja-JP,en;q=0.5")), Lang::Ja);
        assert_eq!(
            Lang::from_accept_language(Some("en;q=0.9,ja;q=0.8")),
            Lang::En
        );
        assert_eq!(
            Lang::from_accept_language(Some("fr,ja;q=0.3,en;q=0.9")),
            Lang::En
        );
        assert_eq!(Lang::from_accept_language(Some("fr, ja;q=0.1")), Lang::Ja);
        assert_eq!(Lang::from_accept_language(Some("ja;q=0")), Lang::En);
        assert_eq!(Lang::from_accept_language(None), Lang::En);
    }

    #[test]
    fn a_problem_carries_type_title_status_detail_and_errors() {
        let response = ApiError::validation("url", "is required").into_response(Lang::Ja);
        assert_eq!(response.status(), 400);
        let body: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
        assert_eq!(body["type"], "validation_error");
        assert_eq!(body["title"], "リクエストが正しくありません");
        assert_eq!(body["errors"][0]["field"], "url");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
    }

    /// An ingest event is dead-lettered with its refusal's text: the problem a publish over
    /// HTTP answers, in English, with its field errors.
    #[test]
    fn a_publish_refusal_reads_as_its_problem_in_english() {
        let refusals = || {
            [
                PublishError::Invalid(vec![
                    FieldError::new("tenant", "is required"),
                    FieldError::new("/data/amount", "\"ten\" is not of type \"integer\""),
                ]),
                PublishError::Invalid(Vec::new()),
                PublishError::DataTooLarge,
            ]
        };
        for refusal in refusals() {
            let text = refusal.to_string();
            let problem = ApiError::from(refusal);
            let mut expected = format!("{}: {}", problem.code(), problem.detail(Lang::En));
            if let ApiError::Validation(errors) = &problem
                && !errors.is_empty()
            {
                let fields: Vec<String> = errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect();
                expected = format!("{expected} ({})", fields.join("; "));
            }
            assert_eq!(text, expected);
        }
        assert!(refusals().iter().all(|r| !r.is_transient()));
    }

    #[test]
    fn a_problem_lists_a_hundred_errors_and_counts_the_rest() {
        let long = "x".repeat(5_000);
        let errors = (0..30_000)
            .map(|i| FieldError::new(format!("/data/items/{i}"), long.clone()))
            .collect();
        let response = ApiError::Validation(errors).into_response(Lang::En);
        let body: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
        let listed = body["errors"].as_array().unwrap();
        assert_eq!(listed.len(), MAX_LISTED_ERRORS);
        assert_eq!(listed[99]["field"], "/data/items/99");
        assert_eq!(body["errors_truncated"], 29_900);
        let message = listed[0]["message"].as_str().unwrap();
        assert_eq!(message.chars().count(), MAX_ERROR_MESSAGE_CHARS + 1);
        assert!(response.body().len() < 120_000, "{}", response.body().len());

        let few = ApiError::validation("url", "is required").into_response(Lang::En);
        let body: serde_json::Value = serde_json::from_slice(few.body()).unwrap();
        assert!(body.get("errors_truncated").is_none());
    }

    #[test]
    fn a_405_names_the_allowed_methods() {
        let response =
            ApiError::MethodNotAllowed(vec![Method::GET, Method::POST]).into_response(Lang::En);
        assert_eq!(response.headers()["allow"], "GET, POST");
    }
}
