import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { renderPage, signIn } from "../test/render";
import { Layout } from "./Layout";

describe("Layout", () => {
  it("shows only the pages the user may open", async () => {
    signIn(["read:conversations", "read:analytics"]);
    renderPage(<Layout />, { path: "/", route: "/" });
    const nav = await screen.findByRole("navigation", { name: "Main" });
    const links = within(nav)
      .getAllByRole("link")
      .map((a) => a.textContent);
    expect(links).toEqual(["Inbox", "Analytics"]);
  });

  it("names the organization and the user, and offers a skip link and sign out", async () => {
    signIn();
    renderPage(<Layout />, { path: "/", route: "/" });
    expect(await screen.findByText("Acme")).toBeInTheDocument();
    expect(screen.getByText("Ada")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Skip to content" })).toHaveAttribute("href", "#main");
    expect(screen.getByRole("button", { name: "Sign out" })).toBeInTheDocument();
    expect(
      within(screen.getByRole("navigation", { name: "Main" })).getAllByRole("link"),
    ).toHaveLength(7);
  });
});
