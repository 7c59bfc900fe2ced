<?php
// Read a .env file with phpdotenv (vlucas/phpdotenv, Laravel's reader) and
// print its FEATURE_* values as one JSON object, for tests/dotenv_readers.rs.
// Usage: php read.php AUTOLOAD FILE (Debian: /usr/share/php/Dotenv/autoload.php)
require $argv[1];

$values = [];
foreach (Dotenv\Dotenv::parse(file_get_contents($argv[2])) as $k => $v) {
    if (str_starts_with($k, 'FEATURE_')) {
        $values[$k] = $v;
    }
}
echo json_encode(['reader' => 'phpdotenv', 'values' => (object) $values], JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR), "\n";
