//! What masking finds: the kinds of personal data, one finding, a masked text.

/// The kinds of personal data that are masked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntityKind {
    /// Fødselsnummer, D-number, H-number or synthetic number.
    NationalIdentityNumber,
    AccountNumber,
    Iban,
    PaymentCard,
    Phone,
    Email,
    IpAddress,
    /// A person's name: known as a name, or named as one by its context
    /// ("jeg heter …", "faren min …", a sign-off).
    PersonName,
    /// A street address, a cadastral reference (gnr./bnr.) or a foreign address.
    Address,
}

impl EntityKind {
    pub const ALL: [EntityKind; 9] = [
        Self::NationalIdentityNumber,
        Self::AccountNumber,
        Self::Iban,
        Self::PaymentCard,
        Self::Phone,
        Self::Email,
        Self::IpAddress,
        Self::PersonName,
        Self::Address,
    ];

    /// A stable lowercase id, for metrics and test data.
    pub fn id(self) -> &'static str {
        match self {
            Self::NationalIdentityNumber => "fodselsnummer",
            Self::AccountNumber => "kontonummer",
            Self::Iban => "iban",
            Self::PaymentCard => "card",
            Self::Phone => "phone",
            Self::Email => "email",
            Self::IpAddress => "ip",
            Self::PersonName => "name",
            Self::Address => "address",
        }
    }

    /// What replaces the data in the text.
    pub fn placeholder(self) -> &'static str {
        match self {
            Self::NationalIdentityNumber => "⟨fødselsnummer⟩",
            Self::AccountNumber => "⟨kontonummer⟩",
            Self::Iban => "⟨iban⟩",
            Self::PaymentCard => "⟨kortnummer⟩",
            Self::Phone => "⟨telefonnummer⟩",
            Self::Email => "⟨e-post⟩",
            Self::IpAddress => "⟨ip-adresse⟩",
            Self::PersonName => "⟨navn⟩",
            Self::Address => "⟨adresse⟩",
        }
    }

    /// Which kind wins when two findings cover the same text equally.
    pub(crate) fn priority(self) -> u8 {
        match self {
            Self::Email => 0,
            Self::Iban => 1,
            Self::NationalIdentityNumber => 2,
            Self::AccountNumber => 3,
            Self::PaymentCard => 4,
            Self::IpAddress => 5,
            Self::Phone => 6,
            Self::Address => 7,
            Self::PersonName => 8,
        }
    }
}

/// One piece of personal data: its kind and byte range in the original text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    pub kind: EntityKind,
    pub start: usize,
    pub end: usize,
}

/// A masked message and what was masked in it (ranges refer to the original).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Masked {
    pub text: String,
    pub found: Vec<Found>,
}

impl Masked {
    /// The kinds masked, each once, in [`EntityKind`] order.
    pub fn kinds(&self) -> Vec<EntityKind> {
        let mut kinds: Vec<EntityKind> = self.found.iter().map(|f| f.kind).collect();
        kinds.sort();
        kinds.dedup();
        kinds
    }
}
