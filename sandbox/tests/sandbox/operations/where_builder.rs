//! The local where builder, whose conditions the list tools accept as they are.

use super::super::support::*;
use serde_json::json;

pub async fn exercise(h: &Harness) {
    // The local helper builds a quoted condition that the list tools accept as it is.
    let built = h.ok("caspio_build_where", json!({"conditions": [{"field": "Email", "op": "LIKE", "value": "%@acmecorp.com"}, {"field": "Role", "op": "IN", "value": ["Support", "Support Lead"]}]})).await;
    let condition = built["where"].as_str().unwrap().to_string();
    assert_eq!(
        condition,
        "Email LIKE N'%@acmecorp.com' AND Role IN (N'Support', N'Support Lead')"
    );
    assert_eq!(
        h.ok(
            "list_all_caspio_users",
            json!({"directory_id": "401", "where": condition})
        )
        .await["Result"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
}
