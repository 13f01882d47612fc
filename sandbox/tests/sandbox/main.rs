//! The sandbox as the generated client sees it, over real HTTP on loopback: every operation,
//! the example prompts, bad input, its life across restarts and faults, and the queries Caspio
//! answers. One test binary; each module one concern.

mod bad_input;
mod lifecycle;
mod operations;
mod queries;
mod scenarios;
mod support;
