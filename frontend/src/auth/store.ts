// The signed-in session: tokens, the user and the organization, kept in localStorage so a
// reload keeps the agent signed in. Server data lives in the query cache, not here.
import { create } from "zustand";
import { persist } from "zustand/middleware";

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: string;
}

export interface SessionOrg {
  id: string;
  name: string;
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

interface AuthState {
  accessToken: string | null;
  refreshToken: string | null;
  /** epoch milliseconds after which the access token is refreshed before use */
  refreshAt: number;
  user: SessionUser | null;
  organization: SessionOrg | null;
  permissions: string[];
  /** the refresh token was refused: the page stays, a dialog asks for the password again */
  expired: boolean;
  signIn: (tokens: Tokens, user?: SessionUser, organization?: SessionOrg) => void;
  setTokens: (tokens: Tokens) => void;
  setProfile: (user: SessionUser, organization: SessionOrg, permissions: string[]) => void;
  signOut: () => void;
  expire: () => void;
}

const EMPTY = {
  accessToken: null,
  refreshToken: null,
  refreshAt: 0,
  user: null,
  organization: null,
  permissions: [] as string[],
  expired: false,
};

// Refresh a minute before the access token expires (or at half its life if it is short).
export function refreshMoment(expiresIn: number, now = Date.now()): number {
  const margin = Math.min(60, expiresIn / 2);
  return now + (expiresIn - margin) * 1000;
}

export const useAuth = create<AuthState>()(
  persist(
    (set) => ({
      ...EMPTY,
      signIn: (tokens, user, organization) =>
        set({
          accessToken: tokens.access_token,
          refreshToken: tokens.refresh_token,
          refreshAt: refreshMoment(tokens.expires_in),
          expired: false,
          ...(user ? { user } : {}),
          ...(organization ? { organization } : {}),
        }),
      setTokens: (tokens) =>
        set({
          accessToken: tokens.access_token,
          refreshToken: tokens.refresh_token,
          refreshAt: refreshMoment(tokens.expires_in),
        }),
      setProfile: (user, organization, permissions) => set({ user, organization, permissions }),
      signOut: () => set({ ...EMPTY }),
      expire: () => set({ accessToken: null, refreshToken: null, refreshAt: 0, expired: true }),
    }),
    { name: "switchboard.session" },
  ),
);

export function can(permission: string): boolean {
  return useAuth.getState().permissions.includes(permission);
}

export function useCan(permission: string): boolean {
  return useAuth((s) => s.permissions.includes(permission));
}
