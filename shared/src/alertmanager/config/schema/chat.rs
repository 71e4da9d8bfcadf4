//! The chat integrations with structured messages: Slack, Rocket.Chat, Mattermost.
use super::Ty::*;
use super::{Struct, HTTP_CONFIG};

pub static SLACK: Struct = Struct {
    name: "slack",
    fields: &[
        ("send_resolved", Bool),
        ("http_config", Struct(&HTTP_CONFIG)),
        ("api_url", SecretUrl),
        ("api_url_file", Str),
        ("app_token", Str),
        ("app_token_file", Str),
        ("app_url", Url),
        ("channel", Str),
        ("username", Str),
        ("color", Str),
        ("title", Str),
        ("title_link", Str),
        ("pretext", Str),
        ("text", Str),
        ("message_text", Str),
        ("fields", List(&Struct(&SLACK_FIELD))),
        ("short_fields", Bool),
        ("footer", Str),
        ("fallback", Str),
        ("callback_id", Str),
        ("icon_emoji", Str),
        ("icon_url", Str),
        ("image_url", Str),
        ("thumb_url", Str),
        ("link_names", Bool),
        ("mrkdwn_in", List(&Str)),
        ("actions", List(&Struct(&SLACK_ACTION))),
        ("update_message", Bool),
        ("timeout", GoDuration),
    ],
};

pub static SLACK_FIELD: Struct = Struct {
    name: "slack_field",
    fields: &[("title", Str), ("value", Str), ("short", Bool)],
};

pub static SLACK_ACTION: Struct = Struct {
    name: "slack_action",
    fields: &[
        ("type", Str),
        ("text", Str),
        ("url", Str),
        ("style", Str),
        ("name", Str),
        ("value", Str),
        ("confirm", Struct(&SLACK_CONFIRM)),
    ],
};

pub static SLACK_CONFIRM: Struct = Struct {
    name: "slack_confirm",
    fields: &[
        ("text", Str),
        ("title", Str),
        ("ok_text", Str),
        ("dismiss_text", Str),
    ],
};

pub static ROCKETCHAT: Struct = Struct {
    name: "rocketchat",
    fields: &[
        ("send_resolved", Bool),
        ("http_config", Struct(&HTTP_CONFIG)),
        ("api_url", Url),
        ("token_id", Str),
        ("token_id_file", Str),
        ("token", Str),
        ("token_file", Str),
        ("channel", Str),
        ("color", Str),
        ("title", Str),
        ("title_link", Str),
        ("text", Str),
        ("fields", List(&Struct(&ROCKETCHAT_FIELD))),
        ("short_fields", Bool),
        ("emoji", Str),
        ("icon_url", Str),
        ("image_url", Str),
        ("thumb_url", Str),
        ("link_names", Bool),
        ("actions", List(&Struct(&ROCKETCHAT_ACTION))),
    ],
};

/// Its Go type has JSON tags only: YAML reads each field by its lower-cased Go name.
pub static ROCKETCHAT_FIELD: Struct = Struct {
    name: "rocketchat_field",
    fields: &[("short", Bool), ("title", Str), ("value", Str)],
};

/// As [`ROCKETCHAT_FIELD`]: `imageurl`, not `image_url`.
pub static ROCKETCHAT_ACTION: Struct = Struct {
    name: "rocketchat_action",
    fields: &[
        ("type", Str),
        ("text", Str),
        ("url", Str),
        ("imageurl", Str),
        ("iswebview", Bool),
        ("webviewheightratio", Str),
        ("msg", Str),
        ("msginchatwindow", Bool),
        ("msgprocessingtype", Str),
    ],
};

pub static MATTERMOST: Struct = Struct {
    name: "mattermost",
    fields: &[
        ("send_resolved", Bool),
        ("http_config", Struct(&HTTP_CONFIG)),
        ("webhook_url", SecretUrl),
        ("webhook_url_file", Str),
        ("channel", Str),
        ("username", Str),
        ("text", Str),
        ("fallback", Str),
        ("color", Str),
        ("pretext", Str),
        ("author_name", Str),
        ("author_link", Str),
        ("author_icon", Str),
        ("title", Str),
        ("title_link", Str),
        ("fields", List(&Struct(&MATTERMOST_FIELD))),
        ("thumb_url", Str),
        ("footer", Str),
        ("footer_icon", Str),
        ("image_url", Str),
        ("icon_url", Str),
        ("icon_emoji", Str),
        ("attachments", List(&Struct(&MATTERMOST_ATTACHMENT))),
        ("type", Str),
        ("props", Struct(&MATTERMOST_PROPS)),
        ("priority", Struct(&MATTERMOST_PRIORITY)),
    ],
};

pub static MATTERMOST_FIELD: Struct = Struct {
    name: "mattermost_field",
    fields: &[("title", Str), ("value", Str), ("short", Bool)],
};

pub static MATTERMOST_ATTACHMENT: Struct = Struct {
    name: "mattermost_attachment",
    fields: &[
        ("fallback", Str),
        ("color", Str),
        ("pretext", Str),
        ("text", Str),
        ("author_name", Str),
        ("author_link", Str),
        ("author_icon", Str),
        ("title", Str),
        ("title_link", Str),
        ("fields", List(&Struct(&MATTERMOST_FIELD))),
        ("thumb_url", Str),
        ("footer", Str),
        ("footer_icon", Str),
        ("image_url", Str),
    ],
};

pub static MATTERMOST_PROPS: Struct = Struct {
    name: "mattermost_props",
    fields: &[("card", Str)],
};

pub static MATTERMOST_PRIORITY: Struct = Struct {
    name: "mattermost_priority",
    fields: &[
        ("priority", Str),
        ("requested_ack", Bool),
        ("persistent_notifications", Bool),
    ],
};
