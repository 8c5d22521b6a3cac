// A URL or snippet the admin pastes elsewhere, with a copy button.
import ContentCopyIcon from "@mui/icons-material/ContentCopy";
import { Box, IconButton, Tooltip, Typography } from "@mui/material";
import { useState } from "react";

export function InboundUrl({ label, url }: { label: string; url: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <Box sx={{ display: "flex", alignItems: "center", gap: 0.5, mt: 0.5 }}>
      <Typography variant="caption" color="text.secondary" sx={{ wordBreak: "break-all" }}>
        {label}: <code>{url}</code>
      </Typography>
      {navigator.clipboard ? (
        <Tooltip title={copied ? "Copied" : `Copy ${label.toLowerCase()}`}>
          <IconButton
            size="small"
            aria-label={`Copy ${label.toLowerCase()}`}
            onClick={() => {
              void navigator.clipboard.writeText(url).then(() => setCopied(true));
            }}
          >
            <ContentCopyIcon fontSize="inherit" />
          </IconButton>
        </Tooltip>
      ) : null}
    </Box>
  );
}
