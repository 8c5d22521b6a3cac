import { CssBaseline, ThemeProvider } from "@mui/material";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, type RenderResult } from "@testing-library/react";
import type { ReactElement } from "react";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { useAuth } from "../auth/store";
import { theme } from "../theme";
import { ME } from "./server";

/** Signed in as ME's admin, with a fresh query cache. */
export function signIn(permissions: string[] = ME.permissions) {
  useAuth
    .getState()
    .signIn(
      { access_token: "access", refresh_token: "refresh-token-1", expires_in: 3600 },
      ME.user,
      ME.organization,
    );
  useAuth.getState().setProfile(ME.user, ME.organization, permissions);
}

export function renderPage(
  element: ReactElement,
  {
    path = "/",
    route = "/",
    extraRoutes = [],
  }: {
    path?: string;
    route?: string;
    extraRoutes?: { path: string; element: ReactElement }[];
  } = {},
): RenderResult & { client: QueryClient } {
  const client = new QueryClient({
    defaultOptions: { queries: { retry: false, staleTime: 0 }, mutations: { retry: false } },
  });
  const result = render(
    <QueryClientProvider client={client}>
      <ThemeProvider theme={theme}>
        <CssBaseline />
        <MemoryRouter
          initialEntries={[route]}
          future={{ v7_startTransition: true, v7_relativeSplatPath: true }}
        >
          <Routes>
            <Route path={path} element={element} />
            {extraRoutes.map((r) => (
              <Route key={r.path} path={r.path} element={r.element} />
            ))}
            <Route path="*" element={<div data-testid="elsewhere" />} />
          </Routes>
        </MemoryRouter>
      </ThemeProvider>
    </QueryClientProvider>,
  );
  return { ...result, client };
}
