import { Button } from "@mui/material";
import { Link } from "react-router-dom";
import { Empty } from "../components/PageState";

export function NotFoundPage() {
  return (
    <Empty title="Nothing here">
      <Button component={Link} to="/inbox">
        Back to the inbox
      </Button>
    </Empty>
  );
}
