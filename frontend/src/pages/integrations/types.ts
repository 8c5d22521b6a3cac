import type { components } from "../../api/schema";

export type Connector = components["schemas"]["ConnectorRead"];
export type Integration = components["schemas"]["IntegrationRead"];
export type TestResult = components["schemas"]["IntegrationTestResult"];

/** Connector kinds in the order the catalogue shows them, with their headings. */
export const KIND_LABELS: Record<string, string> = {
  email: "Email",
  helpdesk: "Helpdesk",
  chat: "Chat & messaging",
  sms: "SMS & voice",
  commerce: "Commerce",
  crm: "CRM",
  api: "API",
  context: "Context sources",
};

export const CAPABILITY_LABELS: Record<string, string> = {
  inbound_webhook: "Webhooks",
  poller: "Polling",
  sender: "Sends replies",
  threads: "Threads",
  labels: "Labels",
  context: "Customer context",
  oauth: "OAuth",
  live_chat: "Live chat",
};

export const AUTH_LABELS: Record<string, string> = {
  none: "No auth",
  api_key: "API key",
  basic: "Username & password",
  oauth2: "OAuth 2.0",
  oauth: "OAuth",
  hmac: "Signed (HMAC)",
  token: "Token",
};

export function kindLabel(kind: string): string {
  return KIND_LABELS[kind] ?? kind.charAt(0).toUpperCase() + kind.slice(1);
}

export function capabilityLabel(capability: string): string {
  return CAPABILITY_LABELS[capability] ?? capability.replace(/_/g, " ");
}

export function authLabel(authType: string): string {
  return AUTH_LABELS[authType] ?? authType.replace(/_/g, " ");
}

/** Connectors whose consent happens on the provider's site (OAuth 2.0 authorization code). */
export function usesOAuth(connector: Connector | undefined): boolean {
  if (!connector) return false;
  return connector.auth_type.startsWith("oauth") || connector.capabilities.includes("oauth");
}

/** Where the provider (or a client) sends this integration's events, if it receives any. */
export function inboundUrl(
  integration: Integration,
  connector: Connector | undefined,
  origin: string = window.location.origin,
): { label: string; url: string } | null {
  if (!connector) return null;
  if (connector.type === "api") {
    return { label: "Inbound endpoint", url: `${origin}/api/v1/inbound/${integration.id}` };
  }
  if (connector.capabilities.includes("inbound_webhook")) {
    return {
      label: "Webhook URL",
      url: `${origin}/api/v1/webhooks/${integration.type}/${integration.id}`,
    };
  }
  return null;
}
