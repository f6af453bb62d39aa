//! A tenant's own settings, as the operator manages them over the API: shown with the
//! deployment's defaults beside them, set and reset by merge patch, bad values refused with
//! nothing changed, refused to a tenant's key, one tenant's apart from another's; and a
//! tenant's own publish rate holds while another tenant publishes freely. Both backends.

use hookline_tests::{KEY_A, KEY_B, KEY_OPERATOR, TestServer, on_both_backends};
use serde_json::{Value, json};

const A: &str = "/v1/tenants/tenant-a/settings";
const B: &str = "/v1/tenants/tenant-b/settings";

/// A server whose deployment defaults are set (and tell apart from one another).
async fn server(backend: hookline_tests::Backend) -> TestServer {
    TestServer::start_with(backend, |s| {
        s.tenant_deliveries_per_second = 700;
        s.tenant_max_in_flight = 40;
        s.tenant_events_per_second = 0;
        s.retention_days = 14;
    })
    .await
}

fn defaults() -> Value {
    json!({"deliveries_per_second": 700, "max_in_flight": 40, "events_per_second": 0, "retention_days": 14})
}

fn unset() -> Value {
    json!({
        "deliveries_per_second": null, "max_in_flight": null, "events_per_second": null,
        "retention_days": null, "effective": defaults(),
    })
}

on_both_backends!(
    settings_are_shown_set_and_reset_by_merge_patch,
    |backend| async move {
        let server = server(backend).await;
        let shown = server.get(KEY_OPERATOR, A).await;
        assert_eq!(shown.status, 200, "{}", shown.body);
        assert_eq!(shown.body, unset());

        let set = server
            .patch(
                KEY_OPERATOR,
                A,
                json!({"max_in_flight": 5, "events_per_second": 20, "retention_days": 90}),
            )
            .await;
        assert_eq!(set.status, 200, "{}", set.body);
        let expected = json!({
            "deliveries_per_second": null, "max_in_flight": 5, "events_per_second": 20,
            "retention_days": 90,
            "effective": {"deliveries_per_second": 700, "max_in_flight": 5, "events_per_second": 20, "retention_days": 90},
        });
        assert_eq!(set.body, expected);
        assert_eq!(server.get(KEY_OPERATOR, A).await.body, expected);

        // A field left out stays; null goes back to the default; a number sets.
        let reset = server
            .patch(
                KEY_OPERATOR,
                A,
                json!({"max_in_flight": null, "deliveries_per_second": 1}),
            )
            .await;
        assert_eq!(reset.status, 200, "{}", reset.body);
        let expected = json!({
            "deliveries_per_second": 1, "max_in_flight": null, "events_per_second": 20,
            "retention_days": 90,
            "effective": {"deliveries_per_second": 1, "max_in_flight": 40, "events_per_second": 20, "retention_days": 90},
        });
        assert_eq!(reset.body, expected);
        assert_eq!(server.get(KEY_OPERATOR, A).await.body, expected);
        let empty = server.patch(KEY_OPERATOR, A, json!({})).await;
        assert_eq!(empty.body, expected, "an empty patch changes nothing");

        // Another tenant is untouched.
        assert_eq!(server.get(KEY_OPERATOR, B).await.body, unset());
    }
);

on_both_backends!(
    bad_values_are_refused_and_change_nothing,
    |backend| async move {
        let server = server(backend).await;
        let before = server
            .patch(KEY_OPERATOR, A, json!({"events_per_second": 3}))
            .await
            .body;
        for (body, fields) in [
            (json!({"max_in_flight": 0}), vec!["max_in_flight"]),
            (json!({"retention_days": 91}), vec!["retention_days"]),
            (
                json!({"deliveries_per_second": 100_001, "events_per_second": "5"}),
                vec!["deliveries_per_second", "events_per_second"],
            ),
            (
                json!({"max_in_flight": 2, "events_per_second": -1}),
                vec!["events_per_second"],
            ),
            (
                json!({"retention_days": 1.5, "colour": "red"}),
                vec!["colour", "retention_days"],
            ),
        ] {
            let reply = server.patch(KEY_OPERATOR, A, body.clone()).await;
            reply.assert_problem(400, "validation_error");
            let mut named = reply.error_fields();
            named.sort();
            assert_eq!(named, fields, "{body}");
            assert_eq!(
                server.get(KEY_OPERATOR, A).await.body,
                before,
                "{body} changed nothing"
            );
        }
        let reply = server.patch(KEY_OPERATOR, A, json!([1])).await;
        reply.assert_problem(400, "validation_error");

        // In Japanese too.
        let reply = server
            .http
            .patch(format!("{}{A}", server.base))
            .bearer_auth(KEY_OPERATOR)
            .header("accept-language", "ja")
            .json(&json!({"retention_days": 0}))
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 400);
        let body: Value = reply.json().await.unwrap();
        assert_eq!(body["type"], "validation_error");
        assert_eq!(body["title"], "リクエストが正しくありません");
        assert_eq!(body["errors"][0]["field"], "retention_days");
        assert_eq!(server.get(KEY_OPERATOR, A).await.body, before);
    }
);

on_both_backends!(
    a_tenants_key_cannot_read_or_change_settings,
    |backend| async move {
        let server = server(backend).await;
        for key in [KEY_A, KEY_B] {
            server.get(key, A).await.assert_problem(403, "forbidden");
            server
                .patch(key, A, json!({"events_per_second": 100_000}))
                .await
                .assert_problem(403, "forbidden");
        }
        assert_eq!(server.get(KEY_OPERATOR, A).await.body, unset());
        server
            .get(KEY_OPERATOR, "/v1/tenants/Not%20A%20Tenant/settings")
            .await
            .assert_problem(400, "validation_error");
    }
);

on_both_backends!(
    a_tenants_own_publish_rate_holds_while_another_publishes,
    |backend| async move {
        let server = server(backend).await;
        // One a second: ten per ten-second window, for tenant A only.
        let set = server
            .patch(KEY_OPERATOR, A, json!({"events_per_second": 1}))
            .await;
        assert_eq!(set.status, 200, "{}", set.body);
        let (mut a_accepted, mut a_refused) = (0, 0);
        for n in 0..40 {
            let reply = server
                .post(
                    KEY_A,
                    "/v1/events",
                    json!({"event_type": "rate.test", "data": {"n": n}}),
                )
                .await;
            match reply.status.as_u16() {
                202 => a_accepted += 1,
                429 => {
                    reply.assert_problem(429, "rate_limited");
                    a_refused += 1;
                }
                other => panic!("publish answered {other}: {}", reply.body),
            }
            let b = server
                .post(
                    KEY_B,
                    "/v1/events",
                    json!({"event_type": "rate.test", "data": {"n": n}}),
                )
                .await;
            assert_eq!(b.status, 202, "tenant B has no limit: {}", b.body);
        }
        // A window boundary may fall inside the loop: at most two windows' allowance.
        assert!((10..=20).contains(&a_accepted), "accepted {a_accepted}");
        assert!(a_refused >= 20, "refused {a_refused}");

        // Back to the deployment's default (no limit): tenant A publishes freely again.
        server
            .patch(KEY_OPERATOR, A, json!({"events_per_second": null}))
            .await;
        let reply = server
            .post(
                KEY_A,
                "/v1/events",
                json!({"event_type": "rate.test", "data": {}}),
            )
            .await;
        assert_eq!(reply.status, 202, "{}", reply.body);
    }
);
