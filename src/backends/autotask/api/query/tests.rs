//! Tests of the query compiler.
