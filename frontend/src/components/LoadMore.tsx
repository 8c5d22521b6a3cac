import { Box, Button } from "@mui/material";

interface Paged {
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => unknown;
}

/** "Load more" under a cursor-paged list (an infinite query); nothing when there is no more. */
export function LoadMore({ query, label = "Load more" }: { query: Paged; label?: string }) {
  if (!query.hasNextPage) return null;
  return (
    <Box sx={{ textAlign: "center", mt: 2 }}>
      <Button onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage}>
        {query.isFetchingNextPage ? "Loading…" : label}
      </Button>
    </Box>
  );
}
