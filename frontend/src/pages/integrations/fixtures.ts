// Connector catalogue entries exactly as GET /api/v1/connectors answers them (imap, gmail, api).
import type { Connector } from "./types";

export const CONNECTORS: Connector[] = [
  {
    type: "imap",
    name: "IMAP / SMTP mailbox",
    kind: "email",
    auth_type: "basic",
    capabilities: ["labels", "poller", "sender", "threads"],
    description: "Any mailbox reachable over IMAP (IDLE or polling) and SMTP.",
    config_schema: {
      additionalProperties: false,
      description: "Any IMAP/SMTP server; one username and password (or app password) for both.",
      properties: {
        folder: {
          default: "INBOX",
          maxLength: 255,
          minLength: 1,
          title: "Folder",
          type: "string",
        },
        sent_folder: {
          anyOf: [
            {
              maxLength: 255,
              type: "string",
            },
            {
              type: "null",
            },
          ],
          default: null,
          description: "append a copy of each reply here (e.g. Sent)",
          title: "Sent Folder",
        },
        from_name: {
          anyOf: [
            {
              maxLength: 200,
              type: "string",
            },
            {
              type: "null",
            },
          ],
          default: null,
          title: "From Name",
        },
        backfill_days: {
          anyOf: [
            {
              maximum: 3650,
              minimum: 1,
              type: "integer",
            },
            {
              type: "null",
            },
          ],
          default: null,
          description: "first poll imports this many days (all if unset)",
          title: "Backfill Days",
        },
        batch_size: {
          default: 50,
          description: "messages fetched per poll",
          maximum: 500,
          minimum: 1,
          title: "Batch Size",
          type: "integer",
        },
        host: {
          description: "IMAP server host name",
          maxLength: 255,
          minLength: 1,
          title: "Host",
          type: "string",
        },
        port: {
          default: 993,
          maximum: 65535,
          minimum: 1,
          title: "Port",
          type: "integer",
        },
        use_ssl: {
          default: true,
          title: "Use Ssl",
          type: "boolean",
        },
        username: {
          maxLength: 320,
          minLength: 1,
          title: "Username",
          type: "string",
        },
        password: {
          description: "IMAP/SMTP password or app password",
          format: "password",
          minLength: 1,
          title: "Password",
          type: "string",
          writeOnly: true,
        },
        smtp_host: {
          anyOf: [
            {
              maxLength: 255,
              type: "string",
            },
            {
              type: "null",
            },
          ],
          default: null,
          description: "defaults to host",
          title: "Smtp Host",
        },
        smtp_port: {
          default: 587,
          maximum: 65535,
          minimum: 1,
          title: "Smtp Port",
          type: "integer",
        },
        smtp_use_ssl: {
          default: false,
          description: "implicit TLS (port 465)",
          title: "Smtp Use Ssl",
          type: "boolean",
        },
        smtp_starttls: {
          default: true,
          title: "Smtp Starttls",
          type: "boolean",
        },
        from_address: {
          anyOf: [
            {
              maxLength: 320,
              type: "string",
            },
            {
              type: "null",
            },
          ],
          default: null,
          description: "else username",
          title: "From Address",
        },
      },
      required: ["host", "username", "password"],
      title: "ImapConfig",
      type: "object",
    },
  },
  {
    type: "gmail",
    name: "Gmail / Google Workspace",
    kind: "email",
    auth_type: "oauth2",
    capabilities: ["inbound_webhook", "labels", "oauth", "poller", "sender", "threads"],
    description: "A Gmail or Workspace mailbox: history sync or Pub/Sub push, replies in thread.",
    config_schema: {
      additionalProperties: false,
      description: "The mailbox, the labels to watch, and (optionally) Pub/Sub push settings.",
      properties: {
        client_id: {
          anyOf: [
            {
              maxLength: 500,
              type: "string",
            },
            {
              type: "null",
            },
          ],
          default: null,
          title: "Client Id",
        },
        client_secret: {
          anyOf: [
            {
              format: "password",
              type: "string",
              writeOnly: true,
            },
            {
              type: "null",
            },
          ],
          default: null,
          description: "OAuth client secret",
          title: "Client Secret",
          writeOnly: true,
        },
        access_token: {
          anyOf: [
            {
              format: "password",
              type: "string",
              writeOnly: true,
            },
            {
              type: "null",
            },
          ],
          default: null,
          description: "set by the OAuth callback",
          title: "Access Token",
          writeOnly: true,
        },
        refresh_token: {
          anyOf: [
            {
              format: "password",
              type: "string",
              writeOnly: true,
            },
            {
              type: "null",
            },
          ],
          default: null,
          description: "set by the OAuth callback",
          title: "Refresh Token",
          writeOnly: true,
        },
        token_expires_at: {
          anyOf: [
            {
              type: "integer",
            },
            {
              type: "null",
            },
          ],
          default: null,
          description: "epoch seconds",
          title: "Token Expires At",
        },
        oauth_base_url: {
          anyOf: [
            {
              maxLength: 500,
              type: "string",
            },
            {
              type: "null",
            },
          ],
          default: null,
          description: "override of the OAuth host (tests, clouds)",
          title: "Oauth Base Url",
        },
        api_base_url: {
          anyOf: [
            {
              maxLength: 500,
              type: "string",
            },
            {
              type: "null",
            },
          ],
          default: null,
          description: "override of the API host (tests, clouds)",
          title: "Api Base Url",
        },
        email_address: {
          anyOf: [
            {
              maxLength: 320,
              type: "string",
            },
            {
              type: "null",
            },
          ],
          default: null,
          description: "the mailbox address; read from Gmail if unset",
          title: "Email Address",
        },
        label_ids: {
          description: "watched",
          items: {
            type: "string",
          },
          maxItems: 20,
          minItems: 1,
          title: "Label Ids",
          type: "array",
        },
        backfill_days: {
          default: 7,
          description: "first sync reaches back",
          maximum: 365,
          minimum: 1,
          title: "Backfill Days",
          type: "integer",
        },
        push_topic: {
          anyOf: [
            {
              maxLength: 300,
              type: "string",
            },
            {
              type: "null",
            },
          ],
          default: null,
          description: "projects/<project>/topics/<topic> for watch",
          title: "Push Topic",
        },
        push_audience: {
          anyOf: [
            {
              maxLength: 500,
              type: "string",
            },
            {
              type: "null",
            },
          ],
          default: null,
          description: "the push subscription's OIDC audience",
          title: "Push Audience",
        },
        push_service_account: {
          anyOf: [
            {
              maxLength: 320,
              type: "string",
            },
            {
              type: "null",
            },
          ],
          default: null,
          description: "the service account that signs push tokens",
          title: "Push Service Account",
        },
        push_jwks_url: {
          default: "https://www.googleapis.com/oauth2/v3/certs",
          maxLength: 500,
          title: "Push Jwks Url",
          type: "string",
        },
        label_messages: {
          default: false,
          description:
            "also request gmail.modify, which labelling messages needs (reconnect after)",
          title: "Label Messages",
          type: "boolean",
        },
      },
      title: "GmailConfig",
      type: "object",
    },
  },
  {
    type: "api",
    name: "Generic API",
    kind: "api",
    auth_type: "api_key",
    capabilities: ["sender", "threads"],
    description: "Post messages over HTTP with an organization API key; replies go to a callback.",
    config_schema: {
      additionalProperties: false,
      properties: {
        callback_url: {
          anyOf: [
            {
              format: "uri",
              maxLength: 2083,
              minLength: 1,
              type: "string",
            },
            {
              type: "null",
            },
          ],
          default: null,
          description: "Where replies are POSTed as JSON, signed with HMAC-SHA256.",
          title: "Callback Url",
        },
        callback_secret: {
          anyOf: [
            {
              format: "password",
              minLength: 16,
              type: "string",
              writeOnly: true,
            },
            {
              type: "null",
            },
          ],
          default: null,
          description: "HMAC-SHA256 key for the X-Switchboard-Signature header of callbacks.",
          title: "Callback Secret",
          writeOnly: true,
        },
      },
      title: "ApiChannelConfig",
      type: "object",
    },
  },
];
