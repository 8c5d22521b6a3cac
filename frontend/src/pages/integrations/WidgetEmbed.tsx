// A website widget integration's embed code: the one script tag to paste, and the test page.
import { Box, Link, Typography } from "@mui/material";
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { InboundUrl } from "./InboundUrl";

export function WidgetEmbed({ integrationId }: { integrationId: string }) {
  const install = useQuery({
    queryKey: ["integrations", integrationId, "widget"],
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/integrations/{integration_id}/widget", {
          params: { path: { integration_id: integrationId } },
        }),
      ),
  });
  if (!install.data) return null;
  return (
    <Box data-testid="widget-embed">
      <InboundUrl label="Embed code" url={install.data.snippet} />
      <Typography variant="caption" color="text.secondary">
        Paste it before <code>&lt;/body&gt;</code> on your site, or{" "}
        <Link href={install.data.test_page_url} target="_blank" rel="noopener">
          try it on the test page
        </Link>
        .
      </Typography>
    </Box>
  );
}
