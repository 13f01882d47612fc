//! The file manager: folders and files, by key and by path.

use super::super::support::*;
use serde_json::json;

pub async fn exercise(h: &Harness) {
    let folders = h.ok("list_all_caspio_folders", json!({})).await;
    let reports = folders["Result"][0]["ExternalKey"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(folders["Result"][0]["Name"], "Reports");
    assert_eq!(
        h.ok(
            "get_single_caspio_folder_by_id",
            json!({"external_key": reports})
        )
        .await["Result"]["Name"],
        "Reports"
    );
    let up = h.ok("create_a_caspio_file", json!({"external_key": reports, "files": [{"name": "a.txt", "content_base64": b64(b"one")}, {"name": "b.csv", "content_base64": b64(b"x,y\n")}]})).await;
    assert_eq!(up["Result"].as_array().unwrap().len(), 2);
    assert_eq!(h.refused("create_a_caspio_file", json!({"external_key": reports, "files": [{"name": "A.TXT", "content_base64": b64(b"dup")}]})).await, (409, "Conflict".into()));
    let over = h.call("caspio_files_overwrite", json!({"external_key": reports, "file": {"name": "a.txt", "content_base64": b64(b"two")}})).await.unwrap();
    assert_eq!(over.status, 200, "an existing file is replaced");
    let listed = h.ok("list_all_caspio_files", json!({"external_key": reports, "sort_field": "Name", "sort_descending": true, "page_size": 5})).await;
    let file_names: Vec<&str> = listed["Result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["Name"].as_str().unwrap())
        .collect();
    assert_eq!(file_names, vec!["q3-summary.csv", "b.csv", "a.txt"]);
    assert_eq!(listed["Pagination"]["TotalCount"], 3);
    let a_key = listed["Result"][2]["ExternalKey"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        h.ok(
            "get_single_caspio_file_by_id",
            json!({"external_key": a_key})
        )
        .await["Result"]["Size"],
        3
    );
    assert_eq!(
        h.file("caspio_files_download", json!({"external_key": a_key}))
            .await
            .bytes,
        b"two"
    );
    assert_eq!(
        h.ok(
            "caspio_files_get_by_path",
            json!({"file_path": "/Reports/b.csv"})
        )
        .await["Result"]["ContentType"],
        "text/csv"
    );
    assert_eq!(
        h.file(
            "caspio_files_download_by_path",
            json!({"file_path": "/readme.txt"})
        )
        .await
        .bytes,
        b"Demo account files."
    );
    h.ok(
        "caspio_files_delete_by_path",
        json!({"file_path": "/Reports/b.csv"}),
    )
    .await;
    h.ok("delete_a_caspio_file_by_id", json!({"external_key": a_key}))
        .await;
    assert_eq!(
        h.refused("caspio_files_download", json!({"external_key": a_key}))
            .await
            .0,
        404
    );
}
