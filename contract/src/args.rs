//! The arguments the runtime adds to tools and handles itself, and the few tool arguments whose
//! meaning it relies on. Codegen puts them into input schemas; the runtime reads them from calls.

/// On guarded bulk writes: count and sample what the `where` selects, change nothing.
pub const DRY_RUN: &str = "dry_run";
/// On guarded bulk writes: the count of records the user was shown and approved. The guard
/// goes on only when it equals the count it reads just before the write.
pub const CONFIRM_COUNT: &str = "confirm_count";
/// On paged lists: gather every page in one call.
pub const FETCH_ALL: &str = "fetch_all";
/// On paged lists: the most rows `fetch_all` gathers.
pub const MAX_ROWS: &str = "max_rows";
/// The q.where condition (checked by the q.where parser before it is sent).
pub const WHERE: &str = "where";
/// A paged list's page, from 1.
pub const PAGE_NUMBER: &str = "page_number";
/// A paged list's rows per page.
pub const PAGE_SIZE: &str = "page_size";
/// An uploaded file's content, in base64, inside a file argument.
pub const CONTENT_BASE64: &str = "content_base64";

/// The runtime's own arguments, never sent to Caspio.
pub const RUNTIME_ONLY: [&str; 4] = [DRY_RUN, CONFIRM_COUNT, FETCH_ALL, MAX_ROWS];

/// The guard's arguments: name, JSON type, and how each is described to a model.
pub const GUARD: [(&str, &str, &str); 2] = [
    (
        DRY_RUN,
        "boolean",
        "Count and sample matches; change nothing.",
    ),
    (
        CONFIRM_COUNT,
        "integer",
        "Count the user approved, when asked.",
    ),
];

/// Records a guarded write may change without the user's confirmation, unless told otherwise.
pub const DEFAULT_CONFIRM_OVER: u64 = 100;

/// Rows `fetch_all` gathers when `max_rows` is not given.
pub const DEFAULT_MAX_ROWS: u64 = 5000;
/// The most `max_rows` may be.
pub const MAX_MAX_ROWS: u64 = 100_000;

/// How the paging arguments are described to a model.
pub const PAGING: [(&str, &str); 2] = [
    (FETCH_ALL, "Gather all pages (up to max_rows)."),
    (MAX_ROWS, "Cap for fetch_all (default 5000)."),
];
