//! Our own JSON Schema keywords. They appear only in validation schemas, which are never sent to
//! a client.

/// Names arguments of which a call must give at least one (an update needs something to change).
pub const AT_LEAST_ONE_OF: &str = "x-at-least-one-of";
