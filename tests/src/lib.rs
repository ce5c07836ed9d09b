//! Veiviser's integration tests live in `integration/`; this library is empty.
