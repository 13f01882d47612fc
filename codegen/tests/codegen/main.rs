//! The generator's behaviour tests: hostile and unusual documents (generated code that parses,
//! or an error at a JSON pointer), and our own document and overrides damaged at random (never a
//! panic). One test binary; each module one family.

mod adversarial;
mod mutations;
