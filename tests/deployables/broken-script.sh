#!/usr/bin/env bash
# FIXTURE — deliberately broken; shellcheck must reject it: SC2086 (unquoted expansion),
# SC2164 (cd without a fallback).
cd $1
rm -rf $2/*
