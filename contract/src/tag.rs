//! The domain tags of the overrides: what part of an account a tool touches.

macro_rules! tags {
    ($($variant:ident = $name:literal: $doc:literal,)*) => {
        /// A domain tag.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Tag {
            $(#[doc = $doc] $variant,)*
        }

        impl Tag {
            /// Every tag.
            pub const ALL: &'static [Tag] = &[$(Tag::$variant,)*];

            /// Its name in the overrides and on the command line.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Tag::$variant => $name,)*
                }
            }
        }
    };
}

tags! {
    Tables = "tables": "Tables and their definitions.",
    Fields = "fields": "Fields of tables and views.",
    Records = "records": "Records of tables and views.",
    Views = "views": "Views.",
    Attachments = "attachments": "Files in ATTACHMENT fields.",
    Files = "files": "Files in the file manager.",
    Folders = "folders": "Folders of the file manager.",
    Webhooks = "webhooks": "Outgoing webhooks and their events.",
    Tasks = "tasks": "Scheduled import/export tasks.",
    Applications = "applications": "Bridge applications.",
    Datapages = "datapages": "DataPages.",
    Deployments = "deployments": "DataPage deployment.",
    Directories = "directories": "User directories.",
    Users = "users": "Users of directories.",
}

impl Tag {
    /// The tag with this name.
    pub fn parse(name: &str) -> Option<Tag> {
        Self::ALL.iter().copied().find(|t| t.as_str() == name)
    }

    /// Every tag's name, comma-separated (for error messages).
    pub fn names() -> String {
        Self::ALL
            .iter()
            .map(|t| t.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in Tag::ALL {
            assert_eq!(Tag::parse(t.as_str()), Some(*t));
        }
        assert_eq!(Tag::parse("Tables"), None);
        assert!(Tag::names().starts_with("tables, fields"));
    }
}
