"""Coalition: signatories, the people who act for them, and how they join and leave."""
