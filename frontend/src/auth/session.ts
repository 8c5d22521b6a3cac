// Signing in and out, registering, accepting an invitation, and the profile behind the session.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback } from "react";
import { api, request, unwrap } from "../api/client";
import { live } from "../live/events";
import { useAuth, type SessionOrg, type SessionUser, type Tokens } from "./store";

interface RegisterAnswer extends Tokens {
  user: SessionUser;
  organization: SessionOrg;
}

export async function signInWithPassword(email: string, password: string): Promise<void> {
  const form = new URLSearchParams({ username: email, password, grant_type: "password" });
  const tokens = await request<Tokens>("/api/v1/auth/token", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: form.toString(),
  });
  useAuth.getState().signIn(tokens);
  await loadProfile();
}

export async function register(body: {
  email: string;
  password: string;
  name: string;
  organization_name: string;
}): Promise<void> {
  const answer = (await unwrap(api.POST("/api/v1/auth/register", { body }))) as RegisterAnswer;
  useAuth.getState().signIn(answer, answer.user, answer.organization);
  await loadProfile();
}

export async function acceptInvitation(body: {
  token: string;
  password: string;
  name?: string;
}): Promise<void> {
  const answer = (await unwrap(
    api.POST("/api/v1/auth/accept-invitation", { body }),
  )) as RegisterAnswer;
  useAuth.getState().signIn(answer, answer.user, answer.organization);
  await loadProfile();
}

export async function loadProfile() {
  const me = await unwrap(api.GET("/api/v1/me"));
  useAuth
    .getState()
    .setProfile(me.user as SessionUser, me.organization as SessionOrg, me.permissions);
  return me;
}

/** The profile, refetched on mount so a role change shows without signing in again. */
export function useProfile(enabled: boolean) {
  return useQuery({ queryKey: ["me"], queryFn: loadProfile, enabled, staleTime: 60_000 });
}

export function useSignOut(): () => Promise<void> {
  const client = useQueryClient();
  return useCallback(async () => {
    const refreshToken = useAuth.getState().refreshToken;
    try {
      if (refreshToken) {
        await request("/api/v1/auth/logout", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ refresh_token: refreshToken }),
        });
      }
    } catch {
      /* signing out locally matters more than telling the server */
    }
    useAuth.getState().signOut();
    live.reset();
    client.clear();
  }, [client]);
}
