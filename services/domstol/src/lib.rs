//! The courts' (domstol, tingretten: estate settlement) agency assistant's content, compiled in as the default.

use veiviser_agency_sdk::EmbeddedContent;

/// The agency's content files from `content/`.
pub const CONTENT: EmbeddedContent = veiviser_agency_sdk::embed_content!("card.toml", "nb.toml", "nn.toml", "en.toml");

/// The agency's default port on loopback.
pub const DEFAULT_PORT: u16 = 50064;
