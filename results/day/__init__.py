"""What a day prints: its released results, removals and additions applied, composed."""
