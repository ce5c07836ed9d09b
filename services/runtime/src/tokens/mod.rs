//! Profile tokens: the claims a trust service signs for one agency, and their
//! verification. Only this module knows how a token is checked; agencies get
//! a verified [`Profile`] or a refusal, and the trust service builds its
//! tokens from the same [`ProfileClaims`].

mod claims;
mod keys;
mod verify;

pub use claims::{
    Actor, AuthorizationDetail, CitizenClaims, MAX_TOKEN_LIFETIME_SECONDS, PROFILE_ATTRIBUTES,
    PROFILE_AUTHORIZATION_TYPE, PROFILE_TOKEN_TYPE, Profile, ProfileClaims,
};
pub use keys::{KeySource, MAX_JWKS_BYTES};
pub use verify::{Expectations, JwtVerifier, MAX_TOKEN_BYTES, ProfileVerifier, TokenError};
