//! Pure types and rules of the portal domain: no I/O, unit tested.

pub mod access;
pub mod audit_chain;
pub mod billing;
pub mod birth_date;
pub mod case;
pub mod case_change;
pub mod cobra;
pub mod code;
pub mod commission;
pub mod date_format;
pub mod ein;
pub mod import_spec;
pub mod maintenance;
pub mod member_query;
pub mod npn;
pub mod presence;
pub mod report_catalogue;
pub mod role;
pub mod schedule;
pub mod ssn;
pub mod text;
pub mod typed_change;
