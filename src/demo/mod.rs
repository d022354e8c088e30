//! The seeded demo database (being built).
