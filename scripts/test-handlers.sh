#!/usr/bin/env bash
echo "no handler tests yet"
