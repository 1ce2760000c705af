//! Exit codes (design §8): 0 ok, 1 a runtime failure (the endpoint, the network, the file
//! system), 2 a usage or input error. Every module's error names its code from here; this
//! module depends on nothing, so no error type has to import the others.

pub const OK: u8 = 0;
pub const FAILURE: u8 = 1;
pub const USAGE: u8 = 2;
