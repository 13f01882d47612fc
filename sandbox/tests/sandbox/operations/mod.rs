//! Every operation, driven through the generated client (the same code users point at Caspio)
//! against the sandbox over real HTTP on loopback, asserting Caspio's shapes, status codes and
//! data effects. One module per resource; they run in order on one sandbox, since later ones
//! use what earlier ones made (the Orders table), and the last check is that every tool of the
//! registry was called.

use super::support::*;
use std::collections::BTreeSet;

mod apps;
mod directories;
mod files;
mod passwords;
mod records;
mod table_attachments;
mod tables;
mod tasks;
mod views;
mod webhooks;
mod where_builder;

#[tokio::test]
async fn every_operation_against_the_sandbox() {
    // A task runs long enough that the checks made while it runs hold on a loaded machine.
    let h = Harness::start(SandboxConfig {
        task_duration: std::time::Duration::from_secs(2),
        ..SandboxConfig::default()
    })
    .await;

    tables::exercise(&h).await;
    records::exercise(&h).await;
    passwords::exercise(&h).await;
    table_attachments::exercise(&h).await;
    views::exercise(&h).await;
    files::exercise(&h).await;
    webhooks::exercise(&h).await;
    tasks::exercise(&h).await;
    apps::exercise(&h).await;
    directories::exercise(&h).await;
    where_builder::exercise(&h).await;

    // Every operation was exercised.
    let called = h.called.lock().unwrap().clone();
    let all: BTreeSet<String> = caspio::registry()
        .tools()
        .iter()
        .map(|t| t.name.to_string())
        .collect();
    let missing: Vec<_> = all.difference(&called).collect();
    assert!(missing.is_empty(), "operations not exercised: {missing:?}");
    h.running.task.abort();
}
