//! Whether the master follows each agency's advisor hours or keeps every
//! desk open. The hours themselves are read by the SDK's `opening_hours`.

/// Whether the master follows the cards' hours or treats every desk as open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum HoursPolicy {
    /// Each agency's advisors answer in the hours its card gives.
    #[default]
    Cards,
    /// Every desk is open at any hour: for demos and tests run in the evening.
    AlwaysOpen,
}
