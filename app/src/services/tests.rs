// tests written below
