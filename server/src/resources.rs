//! MCP resources: each table and view of the account as a read-only resource holding its field
//! definitions (`caspio://tables/{name}`, `caspio://views/{name}`), so a client can put a schema
//! in context without a tool call. Read live from Caspio through the generated client.

use rmcp::model::{
    ListResourceTemplatesResult, ListResourcesResult, ReadResourceResult, Resource,
    ResourceContents, ResourceTemplate,
};
use rmcp::ErrorData as McpError;

const TABLE_PREFIX: &str = "caspio://tables/";
const VIEW_PREFIX: &str = "caspio://views/";

fn upstream(e: caspio::Error) -> McpError {
    McpError::internal_error(format!("Caspio: {}", caspio::runtime::describe(&e)), None)
}

/// Every table and view as a resource.
pub async fn list(client: &caspio::Client) -> Result<ListResourcesResult, McpError> {
    let tables = client
        .list_tables()
        .await
        .map_err(upstream)?
        .result
        .unwrap_or_default();
    let views = client
        .list_views()
        .await
        .map_err(upstream)?
        .result
        .unwrap_or_default();
    let mut out = Vec::new();
    for t in tables {
        out.push(
            Resource::new(format!("{TABLE_PREFIX}{}", encode(&t)), t.clone())
                .with_title(format!("Table {t}"))
                .with_description(format!("Field definitions of table {t}"))
                .with_mime_type("application/json"),
        );
    }
    for v in views {
        out.push(
            Resource::new(format!("{VIEW_PREFIX}{}", encode(&v)), v.clone())
                .with_title(format!("View {v}"))
                .with_description(format!("Field definitions of view {v}"))
                .with_mime_type("application/json"),
        );
    }
    Ok(ListResourcesResult::with_all_items(out))
}

/// The URI templates.
pub fn templates() -> ListResourceTemplatesResult {
    ListResourceTemplatesResult::with_all_items(vec![
        ResourceTemplate::new(format!("{TABLE_PREFIX}{{table_name}}"), "table fields")
            .with_description("Field definitions of a table")
            .with_mime_type("application/json"),
        ResourceTemplate::new(format!("{VIEW_PREFIX}{{view_name}}"), "view fields")
            .with_description("Field definitions of a view")
            .with_mime_type("application/json"),
    ])
}

/// Characters left as they are in a URI segment: RFC 3986 unreserved ones.
const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn encode(name: &str) -> String {
    percent_encoding::utf8_percent_encode(name, UNRESERVED).to_string()
}

/// Reads one resource; an unknown URI or object is -32002 (resource not found).
pub async fn read(client: &caspio::Client, uri: &str) -> Result<ReadResourceResult, McpError> {
    let not_found = || {
        McpError::resource_not_found(
            format!("no such resource: {uri}"),
            Some(serde_json::json!({"uri": uri})),
        )
    };
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8()
            .map(|c| c.into_owned())
            .map_err(|_| not_found())
    };
    // Each answer is turned into JSON on its own: the two response types are whatever the spec
    // names them, and a user's own document (CASPIO_SPEC) may give tables and views distinct ones.
    let text = if let Some(name) = uri.strip_prefix(TABLE_PREFIX) {
        let name = decode(name)?;
        client
            .list_table_fields(&caspio::params::ListTableFields { table_name: name })
            .await
            .map(|f| serde_json::to_string_pretty(&f))
    } else if let Some(name) = uri.strip_prefix(VIEW_PREFIX) {
        let name = decode(name)?;
        client
            .list_view_fields(&caspio::params::ListViewFields { view_name: name })
            .await
            .map(|f| serde_json::to_string_pretty(&f))
    } else {
        return Err(not_found());
    };
    let text = match text {
        Ok(text) => text.map_err(|e| McpError::internal_error(e.to_string(), None))?,
        Err(caspio::Error::Api(e)) if e.status == 404 => return Err(not_found()),
        Err(e) => return Err(upstream(e)),
    };
    Ok(ReadResourceResult::new(vec![ResourceContents::text(
        text, uri,
    )
    .with_mime_type("application/json")]))
}
