//! The generated client's requests, as a real HTTP server on loopback receives them: encoded
//! paths, Caspio's `q.*` parameters, flattened JSON bodies, multipart part names and files, the
//! bearer token and its lifecycle, and errors kept whole. The responder records every request
//! and answers what each test scripts; it stands in for Caspio until the sandbox serves the same.

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use caspio::runtime::tools::{self, CallError};
use caspio::{Client, Credentials, Error};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    body: Vec<u8>,
}

/// A scripted answer: status, headers, body.
type Answer = (u16, Vec<(&'static str, String)>, Vec<u8>);
/// A multipart part: name, file name, content type, bytes.
type FormPart = (String, Option<String>, Option<String>, Vec<u8>);

#[derive(Clone, Default)]
struct Script {
    seen: Arc<Mutex<Vec<Seen>>>,
    /// Answers for resource calls, used in order; the last one repeats.
    answers: Arc<Mutex<Vec<Answer>>>,
    tokens: Arc<Mutex<u32>>,
}

impl Script {
    fn answer(&self, status: u16, headers: &[(&'static str, &str)], body: impl Into<Vec<u8>>) {
        let headers = headers.iter().map(|(k, v)| (*k, v.to_string())).collect();
        self.answers
            .lock()
            .unwrap()
            .push((status, headers, body.into()));
    }
    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
    fn resource_calls(&self) -> Vec<Seen> {
        self.seen()
            .into_iter()
            .filter(|s| s.path != "/oauth/token")
            .collect()
    }
}

async fn handle(
    axum::extract::State(script): axum::extract::State<Script>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let query = uri.query().map(url_pairs).unwrap_or_default();
    script.seen.lock().unwrap().push(Seen {
        method: method.to_string(),
        path: uri.path().to_string(),
        query,
        headers: headers.clone(),
        body: body.to_vec(),
    });
    if uri.path() == "/oauth/token" {
        let mut n = script.tokens.lock().unwrap();
        *n += 1;
        let body = json!({"access_token": format!("token-{n}"), "token_type": "bearer", "expires_in": 86399, "refresh_token": format!("refresh-{n}")});
        return (StatusCode::OK, axum::Json(body)).into_response();
    }
    let mut answers = script.answers.lock().unwrap();
    let (status, hdrs, body) = if answers.len() > 1 {
        answers.remove(0)
    } else {
        answers
            .first()
            .cloned()
            .unwrap_or((200, vec![], b"{\"Result\":[]}".to_vec()))
    };
    let mut response = (StatusCode::from_u16(status).unwrap(), body).into_response();
    response
        .headers_mut()
        .insert("content-type", "application/json".parse().unwrap());
    for (k, v) in hdrs {
        response.headers_mut().insert(k, v.parse().unwrap());
    }
    response
}

/// Decodes a query string the way a server does (`+` is a space).
fn url_pairs(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let d = |s: &str| {
                percent_encoding::percent_decode_str(&s.replace('+', " "))
                    .decode_utf8()
                    .unwrap()
                    .into_owned()
            };
            (d(k), d(v))
        })
        .collect()
}

async fn start() -> (Client, Script) {
    let script = Script::default();
    let app = axum::Router::new()
        .fallback(handle)
        .with_state(script.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = Client::new(
        &format!("http://{addr}"),
        Credentials::ClientCredentials {
            client_id: "id-1".into(),
            client_secret: "s3cret".into(),
        },
    )
    .unwrap();
    (client, script)
}

fn args(v: Value) -> Option<serde_json::Map<String, Value>> {
    v.as_object().cloned()
}

fn query_value<'a>(seen: &'a Seen, name: &str) -> Option<&'a str> {
    seen.query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[tokio::test]
async fn paths_are_encoded_and_q_parameters_sent() {
    let (client, script) = start().await;
    let filter = "Status='Open' AND Name LIKE N'O''Brien%' AND Note = 'a&b=c#d'";
    caspio::registry().call(
        &client,
        "list_all_caspio_records",
        args(json!({"table_name": "Café Orders/2024", "select": "PK_ID,Name", "where": filter, "order_by": "Created DESC", "page_size": 50, "page_number": 2})),
    )
    .await
    .unwrap();
    let call = &script.resource_calls()[0];
    assert_eq!(call.method, "GET");
    assert_eq!(
        call.path,
        "/integrations/rest/v3/tables/Caf%C3%A9%20Orders%2F2024/records"
    );
    assert_eq!(query_value(call, "q.where"), Some(filter));
    assert_eq!(query_value(call, "q.select"), Some("PK_ID,Name"));
    assert_eq!(query_value(call, "q.orderBy"), Some("Created DESC"));
    assert_eq!(query_value(call, "q.pageSize"), Some("50"));
    assert_eq!(query_value(call, "q.pageNumber"), Some("2"));
    // Fixed by the overrides: every page says how many rows there are in all.
    assert_eq!(query_value(call, "q.getPaginationInfo"), Some("true"));
    assert_eq!(query_value(call, "q.limit"), None);
}

#[tokio::test]
async fn whole_numbers_written_as_floats_are_sent_as_integers() {
    // JSON Schema counts 50.0 and 2e0 as integers and some models write them so; they must
    // reach Caspio as the integers they are, not fail after validation accepted them.
    let (client, script) = start().await;
    caspio::registry()
        .call(
            &client,
            "list_all_caspio_records",
            args(json!({"table_name": "T", "page_size": 50.0, "page_number": 2e0})),
        )
        .await
        .unwrap();
    let call = &script.resource_calls()[0];
    assert_eq!(query_value(call, "q.pageSize"), Some("50"));
    assert_eq!(query_value(call, "q.pageNumber"), Some("2"));
}

#[tokio::test]
async fn directory_users_use_the_unprefixed_where() {
    let (client, script) = start().await;
    // A guarded bulk write first counts what it would touch (matching, then total)…
    script.answer(200, &[], br#"{"Result":[{"Email":"a@acmecorp.com"}],"Pagination":{"TotalCount":2,"PageNumber":1,"PageSize":5}}"#.to_vec());
    script.answer(
        200,
        &[],
        br#"{"Result":[],"Pagination":{"TotalCount":5,"PageNumber":1,"PageSize":5}}"#.to_vec(),
    );
    // …then writes.
    script.answer(200, &[], br#"{"UsersAffected": 2, "Result": []}"#.to_vec());
    let out = caspio::registry().call(
        &client,
        "update_a_caspio_user_by_id",
        args(json!({"directory_id": "402", "where": "Email LIKE '%@acmecorp.com'", "values": {"Role": "Staff"}})),
    )
    .await
    .unwrap();
    let calls = script.resource_calls();
    assert_eq!(calls.len(), 3);
    assert_eq!(
        (calls[0].method.as_str(), query_value(&calls[0], "q.where")),
        ("GET", Some("Email LIKE '%@acmecorp.com'"))
    );
    assert_eq!(
        (calls[1].method.as_str(), query_value(&calls[1], "q.where")),
        ("GET", None)
    );
    let call = &calls[2];
    assert_eq!(
        (call.method.as_str(), call.path.as_str()),
        ("PUT", "/integrations/rest/v3/directories/402/users")
    );
    assert_eq!(
        query_value(call, "Where"),
        Some("Email LIKE '%@acmecorp.com'")
    );
    assert_eq!(query_value(call, "q.where"), None);
    assert_eq!(
        serde_json::from_slice::<Value>(&call.body).unwrap(),
        json!({"Role": "Staff"})
    );
    assert_eq!(out.structured.unwrap()["UsersAffected"], 2);
}

#[tokio::test]
async fn flattened_and_grouped_arguments_build_caspio_bodies() {
    let (client, script) = start().await;
    script.answer(201, &[], Vec::new());
    caspio::registry().call(
        &client,
        "create_a_caspio_field",
        args(json!({"table_name": "Tickets", "name": "Closed_At", "type": "TIMESTAMP", "settings": {"on_update": true, "label": "Closed", "unique": false}})),
    )
    .await
    .unwrap();
    let call = &script.resource_calls()[0];
    assert_eq!(call.path, "/integrations/rest/v3/tables/Tickets/fields");
    assert_eq!(
        serde_json::from_slice::<Value>(&call.body).unwrap(),
        json!({"Name": "Closed_At", "Type": "TIMESTAMP", "Unique": false, "Label": "Closed", "OnUpdate": true})
    );
    assert_eq!(call.headers["content-type"], "application/json");
}

#[tokio::test]
async fn inserts_ask_for_the_new_row_back() {
    let (client, script) = start().await;
    script.answer(
        201,
        &[],
        br#"{"Result":[{"PK_ID":7,"Status":"Open"}]}"#.to_vec(),
    );
    let out = caspio::registry()
        .call(
            &client,
            "create_a_caspio_record",
            args(json!({"table_name": "Support_Tickets", "record": {"Status": "Open"}})),
        )
        .await
        .unwrap();
    let call = &script.resource_calls()[0];
    assert_eq!(query_value(call, "response"), Some("rows"));
    assert_eq!(out.structured.unwrap()["Result"][0]["PK_ID"], 7);
}

/// Finds the multipart parts in a body: (part name, file name, content type, bytes).
fn parts(seen: &Seen) -> Vec<FormPart> {
    let ct = seen.headers["content-type"].to_str().unwrap().to_string();
    let boundary = ct
        .split("boundary=")
        .nth(1)
        .expect("multipart boundary")
        .to_string();
    let delimiter = format!("--{boundary}");
    let body = &seen.body;
    let mut out = Vec::new();
    let positions: Vec<usize> = body
        .windows(delimiter.len())
        .enumerate()
        .filter(|(_, w)| *w == delimiter.as_bytes())
        .map(|(i, _)| i)
        .collect();
    for pair in positions.windows(2) {
        let chunk = &body[pair[0] + delimiter.len()..pair[1]];
        let split = chunk.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let head = String::from_utf8_lossy(&chunk[..split]).to_string();
        let data = chunk[split + 4..chunk.len() - 2].to_vec();
        let field = |key: &str| {
            head.split(';').find_map(|p| {
                p.trim()
                    .strip_prefix(&format!("{key}=\""))
                    .map(|v| v.split('"').next().unwrap().to_string())
            })
        };
        let ctype = head.lines().find_map(|l| {
            l.strip_prefix("content-type: ")
                .or_else(|| l.strip_prefix("Content-Type: "))
                .map(str::to_string)
        });
        out.push((field("name").unwrap(), field("filename"), ctype, data));
    }
    out
}

#[tokio::test]
async fn attachment_upload_sends_one_file_part() {
    let (client, script) = start().await;
    script.answer(204, &[], Vec::new());
    let bytes: Vec<u8> = (0..=255u8).collect();
    let b64 = base64_encode(&bytes);
    caspio::registry().call(
        &client,
        "update_a_caspio_attachment_by_id",
        args(json!({"table_name": "Monthly_Reports", "attachment_field_name": "Final_Export", "record_pk_id": "3", "file": {"name": "march.pdf", "content_base64": b64}})),
    )
    .await
    .unwrap();
    let call = &script.resource_calls()[0];
    assert_eq!(
        (call.method.as_str(), call.path.as_str()),
        (
            "PUT",
            "/integrations/rest/v3/tables/Monthly_Reports/attachments/Final_Export/3"
        )
    );
    let p = parts(call);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].0, "File");
    assert_eq!(p[0].1.as_deref(), Some("march.pdf"));
    assert_eq!(p[0].2.as_deref(), Some("application/pdf"));
    assert_eq!(p[0].3, bytes);
}

#[tokio::test]
async fn file_upload_sends_every_file_as_a_files_part() {
    let (client, script) = start().await;
    script.answer(
        201,
        &[],
        br#"{"Result":[{"Name":"a.txt","ExternalKey":"k1"},{"Name":"b.csv","ExternalKey":"k2"}]}"#
            .to_vec(),
    );
    caspio::registry().call(
        &client,
        "create_a_caspio_file",
        args(json!({"external_key": "folder-1", "files": [
            {"name": "a.txt", "content_base64": base64_encode(b"hello")},
            {"name": "b.csv", "content_base64": base64_encode(b"x,y\n1,2\n"), "content_type": "text/csv"}
        ]})),
    )
    .await
    .unwrap();
    let call = &script.resource_calls()[0];
    assert_eq!(query_value(call, "externalKey"), Some("folder-1"));
    let p = parts(call);
    let summary: Vec<_> = p
        .iter()
        .map(|(n, f, t, d)| {
            (
                n.as_str(),
                f.clone().unwrap(),
                t.clone().unwrap(),
                d.clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "Files",
                "a.txt".to_string(),
                "text/plain".to_string(),
                b"hello".to_vec()
            ),
            (
                "Files",
                "b.csv".to_string(),
                "text/csv".to_string(),
                b"x,y\n1,2\n".to_vec()
            ),
        ]
    );
}

#[tokio::test]
async fn one_token_for_many_calls_sent_as_bearer() {
    let (client, script) = start().await;
    for _ in 0..3 {
        client.list_tables().await.unwrap();
    }
    let seen = script.seen();
    let token_calls: Vec<_> = seen.iter().filter(|s| s.path == "/oauth/token").collect();
    assert_eq!(token_calls.len(), 1);
    let form = url_pairs(std::str::from_utf8(&token_calls[0].body).unwrap());
    assert!(
        form.contains(&("grant_type".into(), "client_credentials".into())),
        "{form:?}"
    );
    assert!(form.contains(&("client_id".into(), "id-1".into())));
    for call in script.resource_calls() {
        assert_eq!(call.headers["authorization"], "Bearer token-1");
    }
}

#[tokio::test]
async fn a_401_gets_a_new_token_and_one_retry() {
    let (client, script) = start().await;
    script.answer(
        401,
        &[],
        br#"{"Code":"Unauthorized","Message":"Token expired"}"#.to_vec(),
    );
    script.answer(200, &[], br#"{"Result":["Support_Tickets"]}"#.to_vec());
    let tables = client.list_tables().await.unwrap();
    assert_eq!(tables.result.unwrap(), vec!["Support_Tickets".to_string()]);
    let calls = script.resource_calls();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].headers["authorization"], "Bearer token-1");
    assert_eq!(calls[1].headers["authorization"], "Bearer token-2");
    // The second token came from the refresh token.
    let token_bodies: Vec<String> = script
        .seen()
        .iter()
        .filter(|s| s.path == "/oauth/token")
        .map(|s| String::from_utf8(s.body.clone()).unwrap())
        .collect();
    assert!(
        token_bodies[1].contains("grant_type=refresh_token"),
        "{token_bodies:?}"
    );
}

#[tokio::test]
async fn caspio_errors_keep_code_message_request_id_and_rate_limits() {
    let (client, script) = start().await;
    script.answer(
        404,
        &[("x-caspio-request-id", "req-42"), ("x-ratelimit-remaining", "0"), ("retry-after", "30")],
        br#"{"Code":"ObjectNotFound","Message":"Cannot find table 'Nope'","Resource":"/v3/tables/Nope","RequestId":"req-42"}"#.to_vec(),
    );
    let err = caspio::registry()
        .call(
            &client,
            "get_single_caspio_table_by_id",
            args(json!({"table_name": "Nope"})),
        )
        .await
        .unwrap_err();
    let CallError::Api(Error::Api(api)) = err else {
        panic!("not an API error: {err:?}")
    };
    assert_eq!(api.status, 404);
    assert_eq!(api.code.as_deref(), Some("ObjectNotFound"));
    assert_eq!(api.message.as_deref(), Some("Cannot find table 'Nope'"));
    assert_eq!(api.request_id.as_deref(), Some("req-42"));
    assert_eq!(api.rate_limit.remaining, Some(0));
    assert_eq!(api.rate_limit.retry_after, Some(30));
}

#[tokio::test]
async fn invalid_arguments_never_reach_caspio() {
    let (client, script) = start().await;
    let cases = [
        (
            "list_all_caspio_records",
            json!({}),
            "`table_name`: required",
        ),
        (
            "list_all_caspio_records",
            json!({"table_name": "T", "page_size": 2}),
            "`page_size`: expected an integer from 5 to 1000, got 2",
        ),
        (
            "list_all_caspio_records",
            json!({"table_name": "Inventory", "where": "In_Stock = false"}),
            "`where`: `false` is not a value in T-SQL; YES/NO fields compare with 1 and 0 (In_Stock = 0)",
        ),
        (
            "update_a_caspio_record_by_id",
            json!({"table_name": "Inventory", "where": "SKU = 'A' AND In_Stock = TRUE", "values": {"Quantity": 1}}),
            "`where`: `TRUE` is not a value in T-SQL",
        ),
        (
            "list_all_caspio_records",
            json!({"table_name": "T", "were": "x=1"}),
            "`were`: unknown argument",
        ),
        (
            "create_a_caspio_field",
            json!({"table_name": "T", "name": "A", "type": "STRING", "settings": {"colour": 1}}),
            "`settings.colour`: unknown key",
        ),
        (
            "update_a_caspio_attachment_by_id",
            json!({"table_name": "T", "attachment_field_name": "F", "record_pk_id": "1", "file": {"name": "a", "content_base64": "%%%"}}),
            "`file`: content_base64 is not valid base64",
        ),
        // An int32 past i32's range, refused in plain words rather than by the decoder.
        (
            "create_a_caspio_webhook",
            json!({"name": "n", "outgoing_urls": ["https://example.com"], "call_throttling": 2_147_483_648u64}),
            "`call_throttling`: expected an integer from 1 to 2147483647, got 2147483648",
        ),
        // An update with nothing to change.
        (
            "update_a_caspio_webhook_by_id",
            json!({"webhook_id": "w1"}),
            "nothing to change: give at least one of name, description, outgoing_urls, call_throttling, enabled",
        ),
        // An empty path parameter would reach another endpoint ("/v3/files/").
        (
            "delete_a_caspio_file_by_id",
            json!({"external_key": ""}),
            "`external_key`: must not be empty",
        ),
        (
            "update_a_caspio_attachment_by_id",
            json!({"table_name": "T", "attachment_field_name": "F", "record_pk_id": "1", "file": {"name": "a\nb.csv", "content_base64": "aGk="}}),
            "control character",
        ),
        (
            "update_a_caspio_attachment_by_id",
            json!({"table_name": "T", "attachment_field_name": "F", "record_pk_id": "1", "file": {"name": "a.csv", "content_base64": "aGk=", "content_type": "csv"}}),
            "`file`: content_type `csv` is not a MIME type",
        ),
        // Both used to overflow the parser's stack and abort the whole server.
        (
            "delete_a_caspio_record_by_id",
            json!({"table_name": "T", "where": format!("{}A = 1{}", "(".repeat(100_000), ")".repeat(100_000))}),
            "at most 2047",
        ),
        (
            "list_all_caspio_records",
            json!({"table_name": "T", "where": format!("{}A = 1", "NOT ".repeat(300))}),
            "nested more than 64 levels",
        ),
    ];
    for (tool, arguments, expected) in cases {
        let err = caspio::registry()
            .call(&client, tool, args(arguments))
            .await
            .unwrap_err();
        assert!(
            matches!(err, CallError::InvalidArguments(_)),
            "{tool}: {err:?}"
        );
        assert!(err.to_string().contains(expected), "{tool}: {err}");
    }
    assert!(matches!(
        caspio::registry().call(&client, "no_such_tool", None).await,
        Err(CallError::UnknownTool(_))
    ));
    assert!(
        script.seen().is_empty(),
        "nothing may be sent: {:?}",
        script.seen()
    );
}

#[tokio::test]
async fn downloads_return_bytes_and_file_name() {
    let (client, script) = start().await;
    script.answer(
        200,
        &[("content-disposition", "attachment; filename=\"report.bin\"")],
        vec![0u8, 1, 2, 250],
    );
    let out = caspio::registry()
        .call(
            &client,
            "caspio_files_download",
            args(json!({"external_key": "k"})),
        )
        .await
        .unwrap();
    let file = out.file.unwrap();
    assert_eq!(file.bytes, vec![0u8, 1, 2, 250]);
    assert_eq!(file.file_name.as_deref(), Some("report.bin"));
    assert!(out.structured.is_none());
}

#[tokio::test]
async fn over_long_uris_are_refused_before_sending() {
    let (client, script) = start().await;
    // Under the 2,047 characters a condition may have, but far over once percent-encoded.
    let long_where = format!(
        "Name IN ({})",
        (0..250)
            .map(|i| format!("'n{i}'"))
            .collect::<Vec<_>>()
            .join(",")
    );
    let err = caspio::registry()
        .call(
            &client,
            "list_all_caspio_records",
            args(json!({"table_name": "T", "where": long_where})),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("2047"), "{err}");
    assert!(
        err.to_string().contains("Its longest part is `q.where`"),
        "{err}"
    );
    assert!(script.seen().is_empty());
}

#[tokio::test]
async fn typed_client_and_tool_build_the_same_request() {
    let params = caspio::params::ListTableRecords {
        table_name: "Inventory".into(),
        r#where: Some("SKU LIKE 'OBS-2024%'".into()),
        ..Default::default()
    };
    let typed = caspio::requests::list_table_records(&params);
    let tool = caspio::registry().find("list_all_caspio_records").unwrap();
    let from_tool = tools::request_of(
        tool,
        args(json!({"table_name": "Inventory", "where": "SKU LIKE 'OBS-2024%'"})).unwrap(),
    )
    .unwrap();
    assert_eq!(typed, from_tool);
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[tokio::test]
async fn numbers_for_ids_and_digits_for_integers_are_taken_as_meant() {
    let (client, script) = start().await;
    caspio::registry()
        .call(
            &client,
            "list_all_caspio_users",
            args(json!({"directory_id": 402, "page_size": "50"})),
        )
        .await
        .unwrap();
    let call = &script.resource_calls()[0];
    assert_eq!(call.path, "/integrations/rest/v3/directories/402/users");
    assert_eq!(query_value(call, "q.pageSize"), Some("50"));
    // What is not lossless stays a mistake, refused with its argument named.
    let err = caspio::registry()
        .call(
            &client,
            "list_all_caspio_users",
            args(json!({"directory_id": 4.5})),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, CallError::InvalidArguments(a) if a.argument == "directory_id"),
        "{err}"
    );
}

#[tokio::test]
async fn a_name_two_applications_share_lists_both_and_nothing_else_is_sent() {
    // Caspio lets two applications have one name; the sandbox keeps names unique, so this is
    // scripted: the deploy's 404, then the application list.
    let (client, script) = start().await;
    script.answer(
        404,
        &[],
        r#"{"Code":"ObjectNotFound","Message":"Cannot find application 'Portal'"}"#,
    );
    script.answer(
        200,
        &[],
        r#"{"Result":[{"AppName":"Portal","ExternalKey":"K-1"},{"AppName":"portal","ExternalKey":"K-2"},{"AppName":"Intranet","ExternalKey":"K-3"}]}"#,
    );
    let err = caspio::registry()
        .call(
            &client,
            "caspio_deployments_bulk_update",
            args(json!({"external_key": "PORTAL", "deployed": true})),
        )
        .await
        .unwrap_err();
    let CallError::Name(e) = &err else {
        panic!("expected a name error, got {err:?}")
    };
    assert_eq!(e.argument, "external_key");
    assert!(e.message.contains("2 items are named `PORTAL`"), "{err}");
    assert!(
        e.message.contains("\"K-1\"") && e.message.contains("\"K-2\""),
        "{err}"
    );
    assert!(!e.message.contains("K-3"), "{err}");
    let calls: Vec<(String, String)> = script
        .resource_calls()
        .into_iter()
        .map(|s| (s.method, s.path))
        .collect();
    assert_eq!(
        calls,
        [
            (
                "PUT".to_string(),
                "/integrations/rest/v3/bridgeApplications/PORTAL/datapages/deployment".to_string()
            ),
            (
                "GET".to_string(),
                "/integrations/rest/v3/bridgeApplications".to_string()
            ),
        ]
    );
}
