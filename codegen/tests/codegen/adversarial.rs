//! Hostile and unusual documents: every one either generates code that parses, or fails with an
//! error that names the place (a JSON pointer) and never panics.

use caspio_codegen::{generate, Source};

fn doc(paths: &str, components: &str) -> String {
    format!(
        "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\nservers: [{{url: 'https://x.example.com/api'}}]\npaths:\n{paths}components:\n{components}"
    )
}

fn ok(spec: &str, overrides: &str) -> caspio_codegen::Generated {
    match generate(spec, overrides) {
        Ok(g) => g,
        Err(e) => panic!("expected success, got: {e}"),
    }
}

fn err(spec: &str, overrides: &str) -> caspio_codegen::Error {
    match generate(spec, overrides) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e,
    }
}

#[test]
fn reserved_words_become_valid_rust() {
    let spec = doc(
        "  /self/{type}:\n    get:\n      operationId: match\n      parameters:\n        - {name: type, in: path, required: true, schema: {type: string}}\n        - {name: self, in: query, schema: {type: string}}\n        - {name: crate, in: header, schema: {type: integer}}\n        - {name: q.where, in: query, schema: {type: string}}\n      responses:\n        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Self'}}}}\n",
        "  schemas:\n    Self:\n      type: object\n      properties:\n        type: {type: string}\n        fn: {type: integer, format: int32}\n        super: {type: boolean}\n",
    );
    let g = ok(&spec, "");
    assert!(g.code.contains("pub r#type: String"), "{}", g.code);
    assert!(g.code.contains("pub self_: Option<String>"));
    assert!(
        g.code.contains("#[serde(rename = \"self\", default"),
        "{}",
        g.code
    );
    assert!(g.code.contains("pub struct Self_"));
    assert!(g.code.contains("pub async fn r#match("));
    let tool = &g.tools[0];
    assert_eq!(tool.name, "match");
    let names: Vec<&str> = tool.args.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, vec!["type", "self", "crate", "where"]);
}

#[test]
fn argument_name_collisions_are_refused_with_the_fix() {
    let spec = doc(
        "  /t/{tableName}:\n    post:\n      operationId: Make\n      parameters:\n        - {name: tableName, in: path, required: true, schema: {type: string}}\n      requestBody:\n        content: {application/json: {schema: {type: object, properties: {TableName: {type: string}}}}}\n      responses: {'204': {description: ok}}\n",
        "  schemas: {}\n",
    );
    let e = err(&spec, "");
    assert_eq!(e.source, Source::Spec);
    assert_eq!(e.pointer, "#/paths/~1t~1{tableName}/post");
    assert!(e.message.contains("both named `table_name`"), "{e}");
    assert!(e.message.contains("rename"), "{e}");
    // The fix the message suggests works.
    let fixed = "tools:\n  Make:\n    name: make\n    title: Make\n    description: d\n    kind: create\n    params:\n      table_name: {rename: new_table_name}\n";
    // The rename applies to the first argument of that name (the path parameter).
    let g = ok(&spec, fixed);
    let names: Vec<&str> = g.tools[0].args.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, vec!["new_table_name", "table_name"]);
}

#[test]
fn nullable_all_of_and_several_response_types() {
    let spec = doc(
        "  /x:\n    get:\n      operationId: GetX\n      responses:\n        '200':\n          description: ok\n          content:\n            application/xml: {schema: {type: string}}\n            text/json: {schema: {$ref: '#/components/schemas/Full'}}\n        '201': {description: other, content: {application/json: {schema: {type: string}}}}\n",
        "  schemas:\n    Base: {type: object, required: [id], properties: {id: {type: integer, format: int64}}}\n    Full:\n      allOf:\n        - $ref: '#/components/schemas/Base'\n        - type: object\n          properties:\n            note: {type: string, nullable: true}\n",
    );
    let g = ok(&spec, "");
    assert!(g.code.contains("pub struct Full"), "{}", g.code);
    assert!(g.code.contains("pub id: i64"));
    assert!(g.code.contains("pub note: Option<String>"));
    assert!(g
        .code
        .contains("-> Result<crate::types::Full, crate::Error>"));
}

#[test]
fn multipart_bodies_become_file_arguments() {
    let spec = doc(
        "  /up:\n    post:\n      operationId: Up\n      requestBody:\n        content:\n          multipart/form-data:\n            schema: {type: object, required: [File], properties: {File: {type: string, format: binary}, Note: {type: string}}}\n      responses: {'204': {description: ok}}\n",
        "  schemas: {}\n",
    );
    let g = ok(&spec, "");
    assert!(g.code.contains(".file(\"File\", &p.file)"), "{}", g.code);
    assert!(g.code.contains(".text_opt(\"Note\", p.note.as_ref())"));
    let file = &g.tools[0].input_schema["properties"]["file"];
    assert_eq!(
        file["required"],
        serde_json::json!(["name", "content_base64"])
    );
}

#[test]
fn unsupported_constructs_are_located() {
    let cases = [
        (
            doc("  /a:\n    get:\n      operationId: A\n      responses: {'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/N'}}}}}\n", "  schemas:\n    N: {not: {type: string}}\n"),
            "#/components/schemas/N/not",
        ),
        (
            doc("  /a:\n    get:\n      operationId: A\n      responses: {'200': {description: ok, content: {application/json: {schema: {$ref: 'https://evil.example/s.json'}}}}}\n", "  schemas: {}\n"),
            "#/paths/~1a/get/responses/200/content/application~1json/schema",
        ),
        (
            doc("  /a:\n    get:\n      operationId: A\n      responses: {'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/L'}}}}}\n", "  schemas:\n    L: {type: object, properties: {next: {$ref: '#/components/schemas/L'}}}\n"),
            "#/components/schemas/L/properties/next",
        ),
        (
            doc("  /a:\n    get:\n      operationId: A\n      parameters: [{$ref: '#/components/parameters/missing'}]\n      responses: {'204': {description: ok}}\n", "  schemas: {}\n"),
            "#/paths/~1a/get/parameters/0",
        ),
    ];
    for (spec, pointer) in cases {
        let e = err(&spec, "");
        assert_eq!(e.pointer, pointer, "{e}");
    }
}

#[test]
fn overrides_naming_unknown_things_are_errors() {
    let spec = doc(
        "  /a:\n    get:\n      operationId: A\n      responses: {'204': {description: ok}}\n",
        "  schemas: {}\n",
    );
    let base = "    name: a\n    title: A\n    description: d\n    kind: get\n";
    let e = err(
        &spec,
        "tools:\n  Nope:\n    name: n\n    title: N\n    description: d\n    kind: get\n",
    );
    assert_eq!(
        (e.source, e.pointer.as_str()),
        (Source::Overrides, "#/tools/Nope")
    );
    let e = err(
        &spec,
        &format!("tools:\n  A:\n{base}    params:\n      ghost: G\n"),
    );
    assert_eq!(e.pointer, "#/tools/A/params/ghost");
    let e = err(&spec, "params:\n  ghost: G\n");
    assert_eq!(e.pointer, "#/params/ghost");
    let e = err(
        &spec,
        "tools:\n  A:\n    name: Bad-Name\n    title: A\n    description: d\n    kind: get\n",
    );
    assert_eq!(e.pointer, "#/tools/A/name");
    let long = "x".repeat(49);
    let e = err(
        &spec,
        &format!(
            "tools:\n  A:\n    name: {long}\n    title: A\n    description: d\n    kind: get\n"
        ),
    );
    assert!(e.message.contains("at most 48"), "{e}");
}

#[test]
fn duplicate_tool_names_are_refused() {
    let spec = doc(
        "  /a:\n    get:\n      operationId: A\n      responses: {'204': {description: ok}}\n  /b:\n    get:\n      operationId: B\n      responses: {'204': {description: ok}}\n",
        "  schemas: {}\n",
    );
    let o = "tools:\n  A: {name: same, title: A, description: d, kind: get}\n  B: {name: same, title: B, description: d, kind: get}\n";
    let e = err(&spec, o);
    assert_eq!(e.pointer, "#/tools/B/name");
}

#[test]
fn long_operation_ids_get_short_stable_names() {
    let id = "GetTheVeryLongOperationIdentifierThatNoClientWouldAcceptAsIs";
    let spec = doc(&format!("  /a:\n    get:\n      operationId: {id}\n      responses: {{'204': {{description: ok}}}}\n"), "  schemas: {}\n");
    let a = ok(&spec, "").tools[0].name.clone();
    let b = ok(&spec, "").tools[0].name.clone();
    assert_eq!(a, b);
    assert!(a.len() <= 48, "{a}");
}

/// Damage our own spec one node at a time (delete it, or replace it with a value of another
/// type): generation must answer `Ok` or a located `Err`, and never panic.
#[test]
fn damaged_documents_never_panic() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let spec_text = std::fs::read_to_string(root.join("caspio-spec/openapi.yaml")).unwrap();
    let overrides = std::fs::read_to_string(root.join("caspio-spec/overrides.yaml")).unwrap();
    let spec: serde_json::Value = serde_yaml_ng::from_str(&spec_text).unwrap();
    let mut pointers = Vec::new();
    collect(&spec, String::new(), &mut pointers);
    let mut checked = 0;
    // Every 10th node keeps the run short while covering every kind of node many times over.
    for (i, pointer) in pointers.iter().enumerate().filter(|(i, _)| i % 10 == 0) {
        for replacement in [
            None,
            Some(serde_json::json!(7)),
            Some(serde_json::json!({"$ref": "#/nowhere"})),
        ] {
            let mut damaged = spec.clone();
            if !damage(&mut damaged, pointer, replacement.clone()) {
                continue;
            }
            let text = serde_json::to_string(&damaged).unwrap();
            let outcome = std::panic::catch_unwind(|| generate(&text, &overrides).map(|_| ()));
            match outcome {
                Ok(Ok(())) => {}
                Ok(Err(e)) => assert!(
                    e.pointer.starts_with('#'),
                    "node {i} {pointer}: unlocated error {e}"
                ),
                Err(_) => {
                    panic!("generation panicked after damaging {pointer} with {replacement:?}")
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 500, "only {checked} damaged documents were tried");
}

fn collect(v: &serde_json::Value, at: String, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, child) in m {
                let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                collect(child, p, out);
            }
        }
        serde_json::Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                collect(child, p, out);
            }
        }
        _ => {}
    }
}

fn damage(
    doc: &mut serde_json::Value,
    pointer: &str,
    replacement: Option<serde_json::Value>,
) -> bool {
    let (parent, last) = match pointer.rsplit_once('/') {
        Some(x) => x,
        None => return false,
    };
    let key = last.replace("~1", "/").replace("~0", "~");
    let Some(parent) = (if parent.is_empty() {
        Some(doc)
    } else {
        doc.pointer_mut(parent)
    }) else {
        return false;
    };
    match (parent, replacement) {
        (serde_json::Value::Object(m), None) => m.shift_remove(&key).is_some(),
        (serde_json::Value::Object(m), Some(r)) => m.insert(key, r).is_some(),
        (serde_json::Value::Array(a), None) => key
            .parse::<usize>()
            .ok()
            .filter(|i| *i < a.len())
            .map(|i| a.remove(i))
            .is_some(),
        (serde_json::Value::Array(a), Some(r)) => {
            match key.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
                Some(slot) => {
                    *slot = r;
                    true
                }
                None => false,
            }
        }
        _ => false,
    }
}

#[test]
fn our_spec_generates_byte_identical_output_every_time() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let spec = std::fs::read_to_string(root.join("caspio-spec/openapi.yaml")).unwrap();
    let overrides = std::fs::read_to_string(root.join("caspio-spec/overrides.yaml")).unwrap();
    let first = ok(&spec, &overrides).code;
    for _ in 0..3 {
        assert_eq!(ok(&spec, &overrides).code, first);
    }
}

/// A table with a paged, filtered list and a bulk update selected by `where`.
fn bulk_doc() -> String {
    let list = "  /t/{tableName}/records:\n    get:\n      operationId: List\n      parameters:\n        - {name: tableName, in: path, required: true, schema: {type: string}}\n        - {name: q.where, in: query, schema: {type: string}}\n        - {name: q.pageNumber, in: query, schema: {type: integer}}\n        - {name: q.pageSize, in: query, schema: {type: integer}}\n      responses: {'200': {description: ok, content: {application/json: {schema: {type: object}}}}}\n";
    let update = "    put:\n      operationId: Update\n      parameters:\n        - {name: tableName, in: path, required: true, schema: {type: string}}\n        - {name: q.where, in: query, required: true, schema: {type: string}}\n      requestBody: {content: {application/json: {schema: {type: object}}}}\n      responses: {'200': {description: ok, content: {application/json: {schema: {type: object}}}}}\n";
    let other = "  /u/{userId}:\n    get:\n      operationId: Other\n      parameters:\n        - {name: userId, in: path, required: true, schema: {type: string}}\n        - {name: q.where, in: query, schema: {type: string}}\n        - {name: q.pageNumber, in: query, schema: {type: integer}}\n        - {name: q.pageSize, in: query, schema: {type: integer}}\n      responses: {'200': {description: ok, content: {application/json: {schema: {type: object}}}}}\n";
    doc(&format!("{list}{update}{other}"), "  schemas: {}\n")
}

fn bulk_overrides(update_extra: &str) -> String {
    format!(
        "tools:\n  List:\n    name: list\n    title: L\n    description: d\n    tags: [records]\n    kind: list\n  Update:\n    name: update\n    title: U\n    description: d\n    tags: [records]\n    kind: update\n    safety: [destructive, idempotent, bulk]\n{update_extra}"
    )
}

#[test]
fn a_guarded_write_is_counted_with_the_list_its_overrides_name() {
    let g = ok(&bulk_doc(), &bulk_overrides("    count_with: List\n"));
    let update = g.tools.iter().find(|t| t.name == "update").unwrap();
    let reader = update.guarded.as_ref().expect("guarded");
    assert_eq!(
        (reader.tool.as_str(), reader.carry.clone()),
        ("list", vec!["table_name".to_string()])
    );
    assert!(
        g.code.contains("build: crate::builders::list,"),
        "{}",
        g.code
    );
}

#[test]
fn count_readers_and_tags_that_cannot_work_are_located_errors() {
    let cases = [
        // A guarded write with no reader: the guard could not count it.
        (bulk_overrides(""), "#/tools/Update/count_with", "count_with: <operationId>"),
        (
            bulk_overrides("    count_with: Nope\n"),
            "#/tools/Update/count_with",
            "no operation with operationId `Nope`",
        ),
        // A list over other objects needs an argument the write does not take.
        (
            bulk_overrides("    count_with: Other\n"),
            "#/tools/Update/count_with",
            "needs the argument `user_id`",
        ),
        // A reader that is not a paged, filtered list.
        (
            bulk_overrides("    count_with: Update\n"),
            "#/tools/Update/count_with",
            "cannot count records",
        ),
        (
            bulk_overrides("    count_with: List\n").replace(
                "  List:\n    name: list\n    title: L\n    description: d\n    tags: [records]\n    kind: list\n",
                "  List:\n    name: list\n    title: L\n    description: d\n    tags: [records]\n    kind: list\n    count_with: Update\n",
            ),
            "#/tools/List/count_with",
            "is not one",
        ),
        // Only a write without a where drops data this way.
        (
            bulk_overrides("    count_with: List\n    drops_data_of: List\n"),
            "#/tools/Update/drops_data_of",
            "without a `where`",
        ),
        (
            bulk_overrides("    count_with: List\n").replace("  List:\n    name: list\n    title: L\n    description: d\n    tags: [records]\n    kind: list\n", "  List:\n    name: list\n    title: L\n    description: d\n    tags: [records]\n    kind: list\n    drops_data_of: List\n"),
            "#/tools/List/drops_data_of",
            "destructive write",
        ),
        (
            bulk_overrides("    count_with: List\n").replace("tags: [records]\n    kind: update", "tags: [record]\n    kind: update"),
            "#/tools/Update/tags/0",
            "unknown tag `record`",
        ),
    ];
    for (overrides, pointer, says) in cases {
        let e = err(&bulk_doc(), &overrides);
        assert_eq!(
            (e.source, e.pointer.as_str()),
            (Source::Overrides, pointer),
            "{e}"
        );
        assert!(e.message.contains(says), "{e}");
    }
}

/// Applications listed with their names, and operations on one application by its key.
fn apps_doc() -> String {
    let list = "  /apps:\n    get:\n      operationId: ListApps\n      responses: {'200': {description: ok, content: {application/json: {schema: {type: object, properties: {Result: {type: array, items: {type: object, properties: {AppName: {type: string}, ExternalKey: {type: string}}}}}}}}}}\n";
    let one = "  /apps/{externalKey}:\n    get:\n      operationId: GetApp\n      parameters:\n        - {name: externalKey, in: path, required: true, schema: {type: string}}\n      responses: {'200': {description: ok, content: {application/json: {schema: {type: object}}}}}\n";
    let pages = "  /apps/{externalKey}/pages:\n    put:\n      operationId: DeployApp\n      parameters:\n        - {name: externalKey, in: path, required: true, schema: {type: string}}\n      responses: {'204': {description: ok}}\n";
    doc(&format!("{list}{one}{pages}"), "  schemas: {}\n")
}

#[test]
fn names_rules_give_every_operation_under_the_path_its_lookup() {
    let rule = "names:\n  - {under: '/apps/{externalKey}', list: ListApps, key: ExternalKey, name: AppName}\n";
    let g = ok(&apps_doc(), rule);
    for op in ["GetApp", "DeployApp"] {
        let tool = g.tools.iter().find(|t| t.operation.id == op).unwrap();
        assert_eq!(tool.names.len(), 1, "{op}");
        assert_eq!(tool.names[0].argument, "external_key");
        assert_eq!(tool.names[0].operation_id, "ListApps");
    }
    let list = g
        .tools
        .iter()
        .find(|t| t.operation.id == "ListApps")
        .unwrap();
    assert!(list.names.is_empty());
    assert!(
        g.code.contains("build: crate::builders::list_apps,"),
        "{}",
        g.code
    );
}

#[test]
fn names_rules_that_cannot_work_are_located_errors() {
    let rule = |under: &str, list: &str, key: &str, name: &str| {
        format!("names:\n  - {{under: '{under}', list: {list}, key: {key}, name: {name}}}\n")
    };
    let cases = [
        (
            rule("/apps", "ListApps", "ExternalKey", "AppName"),
            "#/names/0/under",
            "must end in the key's path parameter",
        ),
        (
            rule("/things/{id}", "ListApps", "ExternalKey", "AppName"),
            "#/names/0/under",
            "no operation's path starts with",
        ),
        (
            rule("/apps/{externalKey}", "Nope", "ExternalKey", "AppName"),
            "#/names/0/list",
            "no operation with operationId `Nope`",
        ),
        (
            rule("/apps/{externalKey}", "DeployApp", "ExternalKey", "AppName"),
            "#/names/0/list",
            "read-only operation that needs no argument",
        ),
        (
            rule("/apps/{externalKey}", "ListApps", "Key", "AppName"),
            "#/names/0/key",
            "field `Key`",
        ),
        (
            rule("/apps/{externalKey}", "ListApps", "ExternalKey", "Title"),
            "#/names/0/name",
            "field `Title`",
        ),
        (
            "names:\n  - {under: '/apps/{externalKey}', list: ListApps}\n".to_string(),
            "#/names/0",
            "missing field",
        ),
    ];
    for (overrides, pointer, says) in cases {
        let e = err(&apps_doc(), &overrides);
        assert_eq!(
            (e.source, e.pointer.as_str()),
            (Source::Overrides, pointer),
            "{e}"
        );
        assert!(e.message.contains(says), "{e}");
    }
}
