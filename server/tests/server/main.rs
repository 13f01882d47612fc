//! The server as real clients see it: rmcp's own client over Streamable HTTP (both protocol
//! eras) and stdio through the real binary, the legacy SSE transport over raw HTTP, protocol-level
//! bad input, and the binary as a user runs it. One test binary; each module one surface.

mod bad_input;
mod binary;
mod budget;
mod confirmation;
mod hosted;
mod hostile;
mod legacy_sse;
mod names;
mod profiles;
mod reliability;
mod scoping;
mod stdio;
mod streamable_http;
mod support;
mod surface;
