"""The member directory and members' profiles."""
