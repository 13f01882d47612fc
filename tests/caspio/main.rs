//! The generated crate's tests: the requests each tool sends (against a recording server), the
//! runtime's safety features against the sandbox, the tool schemas' rules, parity with Caspio's
//! own document, the token budget, and the snapshots of everything generated. One test binary;
//! each module one concern.

mod argument_fuzz;
mod client_requests;
mod names;
mod reference_spec;
mod runtime_safety;
mod schema_rules;
mod snapshots;
mod token_budget;
